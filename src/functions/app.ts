/**
 * Registers every function of the app over one app instance's dependencies. `app` is read at
 * each invocation (and once at registration, for the schedule and the queue name), so a host
 * that builds a new instance (new settings) hands it to the functions already registered.
 */
import { registerCustomVisionFunctions } from './customVision';
import { registerCustomVisionDrFunctions } from './customVisionDr';
import { registerDashboardFunctions } from './dashboard';
import type { AppDependencies } from './dependencies';
import { registerReplicationFunctions } from './replication';
import { registerDrillFunctions } from './drills';
import { registerFailoverFunctions } from './failover';

export function registerApp(app: () => AppDependencies): void {
  registerReplicationFunctions(app);
  registerCustomVisionFunctions(app);
  registerCustomVisionDrFunctions(app);
  registerDashboardFunctions(app);
  registerDrillFunctions(app);
  registerFailoverFunctions(app);
}

export { createAppDependencies, createAppTelemetry, type AppDependencies, type AppRuntime } from './dependencies';
