export * from './names';
export * from './scrub';
export * from './telemetry';
export * from './serviceRequests';
