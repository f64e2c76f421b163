/**
 * The approach people use today (SDK samples, public DevOps / MLOps scripts), as the
 * baseline: one model and one region at a time, authorize on the target, start the copy
 * on the source, poll every 5 s until it ends; no parallelism.
 *
 * A plain script over our `FormRecognizerV2Client` against its own emulator on its own
 * virtual clock: instead of sleeping 5 s it advances the clock by 5 s.
 */
import type { FormRecognizerEmulator } from '../dev/emulators/formRecognizer';
import { ThrottledError, isFormRecognizerError } from '../src/formRecognizer';
import type { Scenario } from './scenario';
import { startScriptStack } from './scriptStack';

export const SEQUENTIAL_POLL_MS = 5_000;

export interface SequentialResult {
  startMs: number;
  endMs: number;
  copies: number;
  failed: number;
  emulator: FormRecognizerEmulator;
}

export async function runSequential(scenario: Scenario, startAt: number): Promise<SequentialResult> {
  const { clock, emulator, source, targets } = await startScriptStack(scenario, startAt);
  const startMs = clock.now();
  let copies = 0;
  let failed = 0;

  const models: string[] = [];
  // Page by page; a throttled page (10 list calls/s on S0) is retried after Retry-After.
  for (let next: string | undefined, first = true; first || next; first = false) {
    let page;
    for (;;) {
      try {
        page = await source.listModelsPage(next);
        break;
      } catch (e) {
        if (!(e instanceof ThrottledError)) throw e;
        clock.advance(e.retryAfterMs ?? 1000);
      }
    }
    for (const m of page.models) if (m.status === 'ready') models.push(m.modelId);
    next = page.nextLink;
  }
  for (const modelId of models) {
    for (const target of targets) {
      try {
        const authorization = await target.authorizeCopy();
        const operation = await source.startCopy(modelId, authorization);
        for (;;) {
          clock.advance(SEQUENTIAL_POLL_MS);
          const result = await source.getCopyResult(operation);
          if (result.status === 'succeeded') {
            copies += 1;
            break;
          }
          if (result.status !== 'notStarted' && result.status !== 'running') {
            failed += 1;
            break;
          }
        }
      } catch (e) {
        // The scripts people use stop or skip here; we count it and go on.
        failed += 1;
        if (!isFormRecognizerError(e)) throw e;
      }
    }
  }
  return { startMs, endMs: clock.now(), copies, failed, emulator };
}
