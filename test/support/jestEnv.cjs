/**
 * Environment of every jest worker. Tests that start the Azure Monitor distro in-process
 * (test/unit/telemetry.test.ts) would otherwise leave its statsbeat singletons' timers behind;
 * one firing later, inside another test file of the same worker, fails that file ("A dynamic
 * import callback was invoked without --experimental-vm-modules"). Statsbeat is the SDK's own
 * usage reporting, never the app's telemetry: off in tests.
 */
for (const name of [
  'APPLICATIONINSIGHTS_STATSBEAT_DISABLED',
  'APPLICATION_INSIGHTS_NO_STATSBEAT',
  'APPLICATIONINSIGHTS_SDKSTATS_DISABLED',
])
  process.env[name] ??= 'true';

/**
 * The distro, once a test starts it in-process (test/unit/credentialWiring.test.ts builds the
 * app's dependencies with a connection string), routes the Azure SDK's logger and OpenTelemetry's
 * diag logger to console.log at WARN: every later SDK client in the worker then printed library
 * warnings into the test output (core-client's "baseUri option … deprecated" for each storage
 * client, DefaultAzureCredential's skipped WAM broker and workload identity). Only errors pass.
 * A test that asserts on a library diagnostic sets its own level.
 */
process.env.APPLICATIONINSIGHTS_INSTRUMENTATION_LOGGING_LEVEL ??= 'ERROR';
