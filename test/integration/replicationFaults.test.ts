/**
 * Replication under copy faults: expired, reused and invalid authorizations, long throttling
 * episodes, transient copy failures (renewed, then given up). Every run must end with each
 * pair copied exactly once or failed with its reason, and no blank target model left behind
 * (`expectSettled`). Service-wide faults are in replicationServiceFaults.test.ts.
 *
 * Every case runs for v2.1, 2023-07-31 and 2024-11-30. Where the v3.1/v4 service answers the
 * same fault in its own words, the fault and the expected code come from `faultsOf(version)`.
 * v3.1/v4 differences the assertions allow for: an authorization there reserves an id rather
 * than creating a blank model (nothing to delete), and a renewal after a failed or unused
 * authorization finds the source id burned (409) and copies into a fallback id
 * (`issuedAuthorizations` counts the 200s only).
 */
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import {
  API_VERSIONS,
  SOURCE,
  TARGETS,
  expectSettled,
  failureOf,
  isV2,
  issuedAuthorizations,
  itemsOf,
  ledgerOf,
  plainSourceModel,
  readySourceIds,
  run,
  versionReset,
  type TestApiVersion,
  isPlainCopy,
} from './replicationHarness';

const DAY_MS = 24 * 3600_000;

/** How each family words the authorization faults (v3.1/v4: docs/v4.md, the emulator's [inf] choices). */
function faultsOf(version: TestApiVersion) {
  return isV2(version)
    ? {
        expiredCode: '1002',
        expiredReply: { code: '1002', message: "The 'expirationDateTimeTicks' of the copy authorization has expired." },
        reused: {
          code: '2024',
          message:
            'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
        },
      }
    : {
        expiredCode: 'AuthorizationFailed',
        expiredReply: {
          code: 'AuthorizationFailed',
          message: 'Authorization failed: the copy authorization expired at 2026-11-21T01:00:00Z.',
        },
        reused: {
          code: 'AuthorizationFailed',
          message: 'Authorization failed: the copy authorization has already been used. Authorize the copy again.',
        },
      };
}

describe('replication under copy faults', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ clock, ...QUIET_STACK });

  /** Copy POSTs the source answered 202 for (accepted copies), by source model. */
  function acceptedCopies(emulator: FormRecognizerEmulator, modelId: string): number {
    return emulator.requestLog.filter((r) => r.call === 'copy' && r.status === 202 && r.modelId === modelId).length;
  }

  describe.each(API_VERSIONS)('DR_API_VERSION=%s', (version) => {
    it('an authorization that expired before the copy POST arrived (a 25 h stall) is never used again: the pair fails with the reason, the next run copies it', async () => {
      const emulator = await stack.reset(versionReset(version));
      const model = plainSourceModel(emulator);
      // The first copy POST arrives 25 h after its authorization was issued: the clock jumps
      // inside the request (a zero-length delay re-reads the clock), so the source sees an
      // expired authorization and answers the documented 400 1002.
      emulator.faults.add(SOURCE, {
        kind: 'delay',
        ms: 0,
        call: 'copy',
        when: () => {
          clock.advance(DAY_MS + 3600_000);
          return true;
        },
      });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(emulator.requestLog.filter((r) => r.call === 'copy').map((r) => r.status)).toEqual([400]);
      // The stall also overran the pair's 60-minute deadline: it stops, naming the expiry.
      expect(failureOf(summary, model, 'eastus')).toMatchObject({
        attempts: 1,
        reason: { kind: 'deadline', code: faultsOf(version).expiredCode, message: expect.stringMatching(/expired/) },
      });
      await expectSettled(stack, summary);
      expect(itemsOf(emulator, TARGETS.eastus)).toEqual([]); // the expired authorization's blank model is gone

      const next = await run(stack, { models: [model], regions: ['eastus'] });
      expect(next.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
      expect(acceptedCopies(emulator, model)).toBe(1);
      await expectSettled(stack, next);
    });

    it('the documented 400 1002 "expired" answer to a copy POST leads to a new authorization and one copy', async () => {
      const emulator = await stack.reset(versionReset(version));
      const model = plainSourceModel(emulator);
      emulator.faults.add(SOURCE, { kind: 'status', status: 400, ...faultsOf(version).expiredReply, call: 'copy' });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
      expect(issuedAuthorizations(emulator)).toBe(2);
      expect(acceptedCopies(emulator, model)).toBe(1);
      await expectSettled(stack, summary);
    });

    it('a long throttling episode (hours of Retry-After) never sends an expired authorization', async () => {
      const emulator = await stack.reset(versionReset(version, { env: { DR_COPY_DEADLINE_MINUTES: '1440' } }));
      const model = plainSourceModel(emulator);
      // 20 hours of 429s with Retry-After: 1 h on the copy POST.
      emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 3600, call: 'copy', times: 20 });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
      const posts = emulator.requestLog.filter((r) => r.call === 'copy');
      expect(posts.filter((r) => r.status === 429)).toHaveLength(20);
      expect(posts.filter((r) => r.status === 400)).toEqual([]);
      expect(acceptedCopies(emulator, model)).toBe(1);
      // Honoured Retry-After: consecutive throttled POSTs are at least an hour apart.
      for (let i = 1; i < posts.length; i++) expect(posts[i].time - posts[i - 1].time).toBeGreaterThanOrEqual(3600_000);
      await expectSettled(stack, summary);
    });

    it('an authorization found expired after a throttling episode on the copy result is renewed', async () => {
      const emulator = await stack.reset(versionReset(version, { env: { DR_COPY_DEADLINE_MINUTES: '1440' } }));
      const model = plainSourceModel(emulator);
      // The first copy is accepted but then fails as if its authorization had expired while
      // its result could not be read for hours.
      emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 1800, call: 'copyResult', times: 8 });
      emulator.faults.add(SOURCE, {
        kind: 'copyFails',
        code: 'AuthorizationError',
        message: 'Authorization failure due to missing or invalid authorization claims.',
      });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
      expect(acceptedCopies(emulator, model)).toBe(2);
      await expectSettled(stack, summary);
    });

    it('a reused authorization (v2 "2024", v4 "already been used") is replaced by a new one', async () => {
      const emulator = await stack.reset(versionReset(version));
      const model = plainSourceModel(emulator);
      emulator.faults.add(SOURCE, { kind: 'copyFails', ...faultsOf(version).reused });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      expect(summary.copies).toEqual([expect.objectContaining({ sourceModelId: model, region: 'eastus' })]);
      expect(issuedAuthorizations(emulator)).toBe(2);
      // v2: the failed copy's blank model is deleted; v3.1/v4: there is no blank model, nothing is deleted.
      expect(emulator.requestLog.filter((r) => r.call === 'deleteModel' && r.status === 204)).toHaveLength(
        isV2(version) ? 1 : 0,
      );
      await expectSettled(stack, summary);
    });

    it('a transient copy failure is retried with a new authorization, then succeeds', async () => {
      const emulator = await stack.reset(versionReset(version));
      const ready = readySourceIds(emulator);
      // 2024-11-30 copies its classifier first; a failed classifier copy burns its id and its retry
      // lands under a fallback id, which the composed model cannot use (replicationV4.test.ts shows
      // that case). Here the failures hit model copies, as in v2.
      emulator.faults.add(SOURCE, {
        kind: 'copyFails',
        code: 'InternalServerError',
        message: 'An unexpected error occurred.',
        times: 3,
        when: isPlainCopy,
      });

      const summary = await run(stack);

      expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
      await expectSettled(stack, summary);
    });

    it('a copy that keeps failing transiently gives up after the bounded attempts, with the reason', async () => {
      const emulator = await stack.reset(versionReset(version));
      const model = plainSourceModel(emulator);
      emulator.faults.add(SOURCE, {
        kind: 'copyFails',
        code: 'InternalServerError',
        message: 'An unexpected error occurred.',
        times: Infinity,
      });

      const summary = await run(stack, { models: [model], regions: ['eastus'] });

      const failure = failureOf(summary, model, 'eastus');
      expect(failure?.reason.message).toMatch(/InternalServerError/);
      expect(failure?.attempts).toBe(4);
      await expectSettled(stack, summary);
      const record = await (await ledgerOf(stack)).replicas.get(model, 'eastus');
      expect(record).toMatchObject({
        state: 'failed',
        lastError: expect.objectContaining({ message: expect.stringMatching(/InternalServerError/) }),
      });
    });
  });
});
