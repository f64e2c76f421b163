/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `npm run typecheck`; per-file transpilation keeps jest fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/support/jestEnv.cjs'],
  // The local host (dev/host) stands in for the module the Functions worker injects, so that
  // @azure/functions registrations are captured under jest (see docs/local-host.md).
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/dev/host/functionsCore.ts' },
  // Integration tests start servers on loopback ports; keep workers modest on 2 cores.
  maxWorkers: 2,
};
