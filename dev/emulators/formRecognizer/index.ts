export { startFormRecognizerEmulator } from './server';
export type { FormRecognizerEmulator, FormRecognizerEmulatorOptions, CopyOperationView } from './server';
export type { FaultHandle } from './faults';
export { AUTHORIZATION_LIFETIME_MS, DEFAULT_COPY_DURATION_MS } from './state';
export { UNIX_EPOCH_TICKS, decodeExpiry, encodeExpiry } from './ticks';
export { defaultResourceSpecs, demoSourceModels } from './seed';
export { validateResourceSpecs, ResourceSpecError } from './specs';
export * from './types';
