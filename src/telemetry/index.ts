export * from './names';
export * from './scrub';
export * from './telemetry';
export * from './serviceRequests';
export * from './emit';
export * from './memory';
