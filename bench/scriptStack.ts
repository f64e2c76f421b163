/**
 * What the scripts people write instead (bench/sequential.ts, bench/baseline.ts) run against:
 * their own emulator of the scenario on their own virtual clock from `startAt`, and a plain
 * `FormRecognizerV2Client` per resource (the source and the targets, in scenario order).
 */
import { VirtualClock } from '../dev/clock';
import { startFormRecognizerEmulator, type FormRecognizerEmulator } from '../dev/emulators/formRecognizer';
import { FormRecognizerV2Client } from '../src/formRecognizer';
import { emulatorOptionsFor, resourcesFor, SOURCE_NAME, type Scenario } from './scenario';

export interface ScriptStack {
  clock: VirtualClock;
  emulator: FormRecognizerEmulator;
  source: FormRecognizerV2Client;
  targets: FormRecognizerV2Client[];
}

export async function startScriptStack(scenario: Scenario, startAt: number): Promise<ScriptStack> {
  const clock = new VirtualClock(startAt);
  const emulator = await startFormRecognizerEmulator({
    ...emulatorOptionsFor(scenario),
    resources: resourcesFor(scenario),
    clock,
  });
  const client = (name: string): FormRecognizerV2Client => {
    const r = emulator.resource(name);
    return new FormRecognizerV2Client({
      endpoint: r.endpoint,
      region: r.region,
      resourceId: r.resourceId,
      credential: { key: r.key },
      now: () => clock.now(),
    });
  };
  return {
    clock,
    emulator,
    source: client(SOURCE_NAME),
    targets: emulator.resources.slice(1).map((r) => client(r.name)),
  };
}
