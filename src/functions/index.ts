/**
 * The Function App's entry point (package.json `main`): builds the app's dependencies from
 * the environment and the system clock — a wrong or missing setting stops the app at start
 * with a message naming it — then registers every function over them. (The other modules of
 * this folder only export; loading them registers nothing.)
 */
import { probeCustomVisionContainers } from '../activities/customVisionNotifications';
import { describeSettings } from '../config';
import { systemClock } from '../runtime/clock';
import { createAppDependencies, registerApp } from './app';

const app = createAppDependencies({ env: process.env, clock: systemClock });
console.log(`ai-model-dr settings: ${JSON.stringify(describeSettings(app.settings))}`);
registerApp(() => app);
// Once at start, read-only: a Custom Vision container the app cannot reach is logged naming its setting.
void probeCustomVisionContainers(app.customVision, {
  log: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
});
