export { startFormRecognizerEmulator } from './server';
export type {
  FormRecognizerEmulator,
  FormRecognizerEmulatorOptions,
  CopyOperationView,
  ClassifierView,
  DocumentModelView,
  DocumentOperationView,
} from './server';
export {
  DEFAULT_COPY_AUTHORIZATION_LIFETIME_MS,
  OPERATION_RETENTION_MS,
  diErrors,
  type DiError,
} from './documentModels';
export { defaultDocumentResourceSpecs, demoDocumentModels, demoClassifiers } from './documentSeed';
export type { FaultHandle } from './faults';
export { AUTHORIZATION_LIFETIME_MS, DEFAULT_COPY_DURATION_MS } from './state';
export { UNIX_EPOCH_TICKS, decodeExpiry, encodeExpiry } from './ticks';
export { defaultResourceSpecs, demoSourceModels } from './seed';
export { validateResourceSpecs, ResourceSpecError } from './specs';
export * from './types';
