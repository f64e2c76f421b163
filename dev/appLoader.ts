/**
 * Loads the app into a local host over dependencies built here — on the host's clock, from
 * the settings the host applied — instead of the entry point's (process.env, system clock).
 * `rebuild()` builds a fresh set after the settings changed (a test's fresh emulator and
 * ledger): the functions already registered use it from their next invocation.
 */
import path from 'node:path';
import type { Clock } from './clock';
import type * as Wiring from '../src/functions/app';
import type { Telemetry } from '../src/telemetry/telemetry';
import type { DurableStoreIdentity } from '../src/ledger/runLease';

const APP_WIRING = path.join(__dirname, '..', 'src', 'functions', 'app');

export interface AppLoader {
  /** Pass as the host's `load`: requires the wiring (after the host's registration capture is in place) and registers the app. */
  load(): void;
  /** Builds fresh dependencies from the current process.env (call after changing settings). */
  rebuild(): void;
  /** The current dependencies (after `load`). */
  current(): Wiring.AppDependencies;
}

export interface AppLoaderOptions {
  /** The app's telemetry (e.g. a `MemoryTelemetry` a test reads); default: built from the settings (off unless configured). */
  telemetry?: Telemetry;
  /** The durable store the app starts runs in (the local host's: a process store, dev/runLeaseKeeper.ts). */
  durableStore?: DurableStoreIdentity;
}

export function createAppLoader(clock: Clock, options: AppLoaderOptions = {}): AppLoader {
  let wiring: typeof Wiring | undefined;
  let deps: Wiring.AppDependencies | undefined;
  const loader: AppLoader = {
    load() {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by the host, after its registration capture is in place
      wiring = require(APP_WIRING) as typeof Wiring;
      loader.rebuild();
      wiring.registerApp(() => loader.current());
    },
    rebuild() {
      if (!wiring) throw new Error('the app is not loaded yet');
      deps = wiring.createAppDependencies({
        env: { ...process.env },
        clock,
        ...(options.telemetry ? { telemetry: options.telemetry } : {}),
        ...(options.durableStore ? { durableStore: options.durableStore } : {}),
      });
    },
    current() {
      if (!deps) throw new Error('the app is not loaded yet');
      return deps;
    },
  };
  return loader;
}
