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
