/**
 * Replication under service-wide faults: an unknown target resource, encryption downgrade,
 * throttling with the S0 limits on, 5xx on every kind of call, a source listing failing
 * mid-pagination or for good, a target that cannot be listed. Every run must end with each
 * pair copied exactly once or failed with its reason, and no blank target model left behind.
 *
 * Every case runs for v2.1, 2023-07-31 and 2024-11-30 (`describe.each`), except where noted.
 */
import { VirtualClock } from '../../dev/clock';
import type { CallKind } from '../../dev/emulators/formRecognizer';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import {
  API_VERSIONS,
  SOURCE,
  TARGETS,
  addSourceModel,
  expectSettled,
  isModelListing,
  isV2,
  itemsOf,
  readySourceIds,
  resourcesFor,
  run,
  versionReset,
  isPlainCopy,
} from './replicationHarness';

describe('replication under service faults', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ clock, ...QUIET_STACK });

  describe.each(API_VERSIONS)('DR_API_VERSION=%s', (version) => {
    // v2 only: a v2 client stamps the *configured* target resource id into the copy request, so a
    // wrong one meets ResourceResolverError. A v3.1/v4 authorization carries the id the target
    // itself returns, so a misconfigured id cannot reach the source: no v4 equivalent.
    const v2Only = isV2(version) ? it : it.skip;

    v2Only(
      'an unknown target resource (ResourceResolverError) fails its pairs at once; other regions are copied',
      async () => {
        const emulator = await stack.reset(
          versionReset(version, {
            targetOptions: {
              eastus: {
                resourceId:
                  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-gone/providers/Microsoft.CognitiveServices/accounts/fr-gone',
              },
            },
          }),
        );
        const ready = readySourceIds(emulator);

        const summary = await run(stack);

        expect(summary.copies.filter((c) => c.region === 'westeurope')).toHaveLength(ready.length);
        expect(summary.failures.map((f) => f.sourceModelId).sort()).toEqual(ready);
        for (const f of summary.failures) {
          expect(f.region).toBe('eastus');
          expect(f.reason).toMatchObject({ kind: 'permanent', code: 'ResourceResolverError' });
          expect(f.attempts).toBe(1);
        }
        await expectSettled(stack, summary);
        expect(itemsOf(emulator, TARGETS.eastus)).toEqual([]);
      },
    );

    describe('encrypted source → unencrypted targets', () => {
      const encryptedSource = () =>
        resourcesFor(version).map((r) => (r.name === SOURCE ? { ...r, encrypted: true } : r));

      it('without allowDegrade: fails with the downgrade reason, nothing left behind', async () => {
        const emulator = await stack.reset(versionReset(version, { resources: encryptedSource() }));
        const ready = readySourceIds(emulator);

        const summary = await run(stack);

        expect(summary.totals).toMatchObject({ copied: 0, failed: ready.length * 2 });
        const composed = new Set(
          itemsOf(emulator, SOURCE)
            .filter((m) => m.composed && !isV2(version))
            .map((m) => m.modelId),
        );
        for (const f of summary.failures) {
          if (composed.has(f.sourceModelId)) {
            // 2024-11-30: its classifier could not be copied, so the composed model is not even
            // attempted (an attempt would burn its id in the target): reported with the reason.
            expect(f.reason).toMatchObject({
              kind: 'permanent',
              code: 'ClassifierNotFound',
              message: expect.stringMatching(/finance-classifier/),
            });
          } else {
            expect(f.reason).toMatchObject({ kind: 'permanent', code: 'DataProtectionTransformServiceError' });
            expect(f.reason.message).toMatch(/downgrade/i);
          }
          expect(f.attempts).toBe(1);
        }
        await expectSettled(stack, summary);
      });

      it('with allowDegrade on one target: that target gets copies, the other fails', async () => {
        const emulator = await stack.reset(
          versionReset(version, { resources: encryptedSource(), targetOptions: { eastus: { allowDegrade: true } } }),
        );
        const ready = readySourceIds(emulator);

        const summary = await run(stack);

        expect(summary.copies.map((c) => c.region)).toEqual(ready.map(() => 'eastus'));
        expect(summary.failures.map((f) => f.region)).toEqual(ready.map(() => 'westeurope'));
        await expectSettled(stack, summary);
      });
    });

    it('bursts of 429 with Retry-After on every call, with the S0 rate limits on', async () => {
      const emulator = await stack.reset(versionReset(version, { emulator: { rateLimits: true } }));
      const ready = readySourceIds(emulator);
      const calls: CallKind[] = ['list', 'authorize', 'copy', 'copyResult', 'getModel', 'deleteModel'];
      for (const resource of [SOURCE, TARGETS.eastus, TARGETS.westeurope]) {
        for (const call of calls)
          emulator.faults.add(resource, { kind: 'throttle', retryAfterSeconds: 7, call, times: 3 });
      }

      const summary = await run(stack);

      expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
      expect(emulator.requestLog.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3 * 5);
      await expectSettled(stack, summary);
    });

    it('5xx on every kind of call (list, authorize, copy, copyResult, getModel, delete) still ends settled', async () => {
      const emulator = await stack.reset(versionReset(version));
      const ready = readySourceIds(emulator);
      const calls: CallKind[] = ['list', 'authorize', 'copy', 'copyResult', 'getModel', 'deleteModel'];
      for (const resource of [SOURCE, TARGETS.eastus, TARGETS.westeurope]) {
        for (const call of calls) {
          emulator.faults.add(resource, { kind: 'status', status: 500, call, times: 2 });
          emulator.faults.add(resource, { kind: 'status', status: 503, call, times: 1, retryAfterSeconds: 2 });
        }
      }
      // Make some deletes happen: the first copy of two models fails and leaves a blank model to delete.
      // (2024-11-30: model copies — a classifier whose copy fails burns its id, see replicationV4.test.ts.)
      emulator.faults.add(SOURCE, {
        kind: 'copyFails',
        code: 'InternalServerError',
        message: 'An unexpected error occurred.',
        times: 2,
        when: isPlainCopy,
      });

      const summary = await run(stack);

      expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
      // v3.1/v4 authorizations leave no blank model, so nothing is ever deleted there.
      for (const call of calls.filter((c) => isV2(version) || c !== 'deleteModel'))
        expect(emulator.requestLog.some((r) => r.call === call && r.status >= 500)).toBe(true);
      await expectSettled(stack, summary);
    });

    it('the source listing failing on its 2nd page is retried as a whole: no model lost, none doubled', async () => {
      const emulator = await stack.reset(versionReset(version));
      // Pages of 30 on v2.1, about 50 on v3.1/v4 (recorded; the emulator's default is 50).
      const pageSize = isV2(version) ? 30 : 50;
      for (let i = 0; i < pageSize; i++) addSourceModel(emulator, version, `bulk-${String(i).padStart(2, '0')}`);
      const ready = readySourceIds(emulator);
      expect(itemsOf(emulator, SOURCE).length).toBeGreaterThan(pageSize); // two pages
      emulator.faults.add(SOURCE, {
        kind: 'status',
        status: 503,
        call: 'list',
        when: (req) => req.path.includes('nextLink'),
        times: 2,
      });

      // A dry run plans every pair from the listing without copying every model.
      const summary = await run(stack, { regions: ['eastus'], dryRun: true });

      expect(summary.totals.readyModels).toBe(ready.length);
      expect(summary.plan?.toCopy.map((p) => p.sourceModelId).sort()).toEqual(ready);
      expect(
        emulator.requestLog.filter((r) => r.call === 'list' && r.resource === SOURCE && r.status === 503),
      ).toHaveLength(2);
      expect(
        emulator.requestLog.filter(
          (r) => r.call === 'list' && r.resource === SOURCE && r.path.includes('nextLink') && r.status === 200,
        ),
      ).toHaveLength(1);
    });

    it('a source that cannot be listed fails the run with a reason and copies nothing', async () => {
      const emulator = await stack.reset(versionReset(version));
      emulator.faults.add(SOURCE, { kind: 'status', status: 503, call: 'list', when: isModelListing, times: Infinity });

      const id = await stack.host.durable.startNew('replicateModels', { input: { trigger: 'local' } });
      const status = await stack.host.durable.waitForInstance(id);

      expect(status.runtimeStatus).toBe('Failed');
      expect(JSON.stringify(status.output)).toMatch(/listModels|503|ServiceUnavailable/);
      expect(itemsOf(emulator, TARGETS.eastus)).toEqual([]);
      expect(emulator.requestLog.filter((r) => r.call === 'authorize')).toEqual([]);
    });

    it('a target that cannot be listed does not fail the run: its pairs are planned from the ledger, nothing copied twice', async () => {
      const emulator = await stack.reset(versionReset(version));
      const first = await run(stack);
      expect(first.totals.failed).toBe(0);
      emulator.faults.add(TARGETS.eastus, { kind: 'status', status: 503, call: 'list', times: Infinity });

      const second = await run(stack);

      expect(second.unverifiedRegions).toEqual([
        { region: 'eastus', reason: expect.stringMatching(/could not be listed.*503/) },
      ]);
      // eastus's pairs are not verified this run: unverified, not already replicated (issue 11, fact 10).
      expect(second.totals).toMatchObject({
        copied: 0,
        failed: 0,
        alreadyReplicated: first.totals.copied / 2,
        unverified: first.totals.copied / 2,
      });
      await expectSettled(stack, second);
    });
  });
});
