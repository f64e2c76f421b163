/**
 * Library diagnostics stay out of the test output (issue 22, item 7). Once the Azure Monitor
 * distro runs in a jest worker, it sends the Azure SDK's logger and OpenTelemetry's diag logger
 * to console.log at WARN (the distro's own default), and every later SDK client printed its
 * warnings there ("The baseUri option for SDK Clients has been deprecated", DefaultAzureCredential's
 * skipped WAM broker). test/support/jestEnv.cjs lowers that to errors for every test file.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzureMonitorTelemetry } from '../../src/telemetry/azureMonitor';

test('with the distro started in-process, SDK warnings do not reach the console', async () => {
  const printed: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))),
  );
  const telemetry = startAzureMonitorTelemetry({
    connectionString: 'InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=http://127.0.0.1:9/',
  });
  try {
    // Each of these logs a warning through @azure/logger when it is constructed.
    new BlobServiceClient('http://127.0.0.1:9/devstoreaccount1');
    new DefaultAzureCredential();
    expect(printed).toEqual([]);
    expect(process.env.APPLICATIONINSIGHTS_INSTRUMENTATION_LOGGING_LEVEL).toBe('ERROR');
  } finally {
    await telemetry.shutdown();
    for (const s of spies) s.mockRestore();
  }
});
