/**
 * The Function App's entry point (package.json `main`): builds the app's dependencies from
 * the environment and the system clock — a wrong or missing setting stops the app at start
 * with a message naming it (and, with telemetry configured, a `ModelDr.ConfigurationError`
 * event naming the settings) — then registers every function over them, and flushes the
 * telemetry when the host stops. (The other modules of this folder only export; loading them
 * registers nothing.)
 */
import { app as functionsApp } from '@azure/functions';
import { probeCustomVisionContainers } from '../activities/customVisionNotifications';
import { ConfigurationError, describeSettings } from '../config';
import { azureCredentialProvider } from '../common/credential';
import { systemClock } from '../runtime/clock';
import { NOOP_TELEMETRY, emitConfigurationError, type Telemetry } from '../telemetry';
import { createAppDependencies, createAppTelemetry, registerApp, type AppDependencies } from './app';

let telemetry: Telemetry = NOOP_TELEMETRY;
let app: AppDependencies;
try {
  const credential = azureCredentialProvider(process.env);
  telemetry = createAppTelemetry(process.env, credential);
  app = createAppDependencies({ env: process.env, clock: systemClock, telemetry, credential });
} catch (e) {
  if (e instanceof ConfigurationError) {
    emitConfigurationError(telemetry, e, 'start');
    void telemetry.flush().catch(() => undefined);
  }
  throw e;
}
console.log(`ai-model-dr settings: ${JSON.stringify(describeSettings(app.settings))}`);
registerApp(() => app);
// Once at start, read-only: a Custom Vision container the app cannot reach is logged naming its setting.
void probeCustomVisionContainers(app.customVision, {
  log: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
});
functionsApp.hook.appTerminate(() => telemetry.shutdown());
