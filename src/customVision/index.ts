/** Custom Vision domain: notifications, modelUri policy, Training API client, backups. No Functions types. */
export * from './errors';
export * from './modelUri';
export * from './notifications';
export * from './trainingClient';
export * from './backup';
export * from './blobNames';
export * from './flavors';
export * from './storageAccess';
export * from './projects';
