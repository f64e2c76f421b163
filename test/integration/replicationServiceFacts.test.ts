/**
 * Issue 11: the copy path agrees with what the real service does, case by case (facts 1–5,
 * 7, 8, 10; fact 6 is the client's, tested in frV4Client.emulator.test.ts; fact 9 and the
 * refuse-neural scenario run `npm run local` as a real process, localRunFacts.test.ts).
 * Each case runs through the local host on the virtual clock against the emulator and ends
 * with every pair verified in its target or failed with its true reason, and GET /api/report
 * saying the same.
 */
import { VirtualClock } from '../../dev/clock';
import type { ResourceSpec } from '../../dev/emulators/formRecognizer';
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
  readySourceIds,
  resourcesFor,
  run,
  versionReset,
  type TestApiVersion,
} from './replicationHarness';

const V4 = '2024-11-30' as const;
const DOCUMENT_VERSIONS = ['2023-07-31', '2024-11-30'] as const;

interface ReportCell {
  status: string;
  targetModelId?: string;
  ageSeconds?: number;
  lastError?: { code?: string; message: string };
}
interface Report {
  rows: Array<{ sourceModelId: string; ready: boolean; cells: Record<string, ReportCell> }>;
  totals: Record<string, number>;
  notCopyable: Array<{ modelId: string; status: string; reason?: string }>;
}

describe('replication follows the real service (issue 11)', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ clock, ...QUIET_STACK });

  async function report(): Promise<Report> {
    const res = await fetch(`${stack.host.baseUrl}/api/report`);
    expect(res.status).toBe(200);
    return (await res.json()) as Report;
  }
  const cell = (r: Report, id: string, region: string): ReportCell | undefined =>
    r.rows.find((row) => row.sourceModelId === id)?.cells[region];
  const copyPosts = (modelId?: string) =>
    stack.emulator!.requestLog.filter((r) => r.call === 'copy' && (modelId === undefined || r.modelId === modelId));
  const withTargets = (version: TestApiVersion, patch: Partial<ResourceSpec>): ResourceSpec[] =>
    resourcesFor(version).map((r) => (r.name === SOURCE ? r : { ...r, ...patch }));

  describe.each(API_VERSIONS)('DR_API_VERSION=%s', (version) => {
    it('fact 1: a lost 202 on copyTo (accepted, then 500) is settled by reading the target: one copy, reported copied', async () => {
      const emulator = await stack.reset(versionReset(version));
      const [modelId] = readySourceIds(emulator).filter((id) => !id.startsWith('classifier:'));
      // The source accepts the copy (the authorization is spent), then answers 500.
      emulator.faults.add(SOURCE, { kind: 'status', status: 500, phase: 'after', call: 'copy', times: 1 });
      // ...and that copy takes a minute: a renewal on the refused resend would find nothing yet under the id.
      emulator.faults.add(SOURCE, { kind: 'copyDuration', ms: 60_000, call: 'copy', times: 1 });

      const summary = await run(stack, { models: [modelId], regions: ['eastus'] });

      expect(summary.failures).toEqual([]);
      expect(summary.copies).toEqual([{ sourceModelId: modelId, region: 'eastus', targetModelId: expect.any(String) }]);
      // One authorization: the resend was refused as used, and the copy it had started landed.
      expect(issuedAuthorizations(emulator, TARGETS.eastus)).toBe(1);
      expect(copyPosts(modelId).map((r) => r.status)[0]).toBe(500);
      expect(itemsOf(emulator, TARGETS.eastus).filter((m) => m.copiedFrom === modelId)).toHaveLength(1);
      await expectSettled(stack, summary);
      expect(cell(await report(), modelId, 'eastus')).toMatchObject({
        status: 'replicated',
        targetModelId: summary.copies[0].targetModelId,
      });
    });

    it('fact 8: a second run with a lost ledger counts our verified copies as already replicated, not copied', async () => {
      const emulator = await stack.reset(versionReset(version));
      const first = await run(stack, { regions: ['eastus'] });
      expect(first.totals.failed).toBe(0);
      // The ledger is lost: a fresh, empty ledger container over the same targets.
      const ledger = await ledgerOf(stack);
      for await (const b of ledger.container.listBlobsFlat()) await ledger.container.deleteBlob(b.name);

      const second = await run(stack, { regions: ['eastus'] });

      if (isV2(version)) {
        // v2 ids are the service's: without the ledger nothing names our copies, so they are copied again.
        expect(second.totals.copied).toBe(first.totals.copied);
        return;
      }
      expect(second.totals).toMatchObject({ copied: 0, failed: 0, alreadyReplicated: first.totals.copied });
      expect(second.copies).toEqual([]);
      expect(second.foundInTarget.map((p) => p.sourceModelId).sort()).toEqual(readySourceIds(emulator));
      expect(copyPosts().filter((r) => r.time > Date.parse(second.startedAt))).toEqual([]);
      await expectSettled(stack, second);
      const r = await report();
      for (const id of readySourceIds(emulator)) expect(cell(r, id, 'eastus')?.status).toBe('replicated');
    });

    it('fact 10: a target that cannot be reached leaves its pairs unverified (with the age of the last verification), never ready', async () => {
      const emulator = await stack.reset(versionReset(version));
      const first = await run(stack);
      expect(first.totals.failed).toBe(0);
      clock.advance(10 * 60_000);
      emulator.faults.add(TARGETS.eastus, { kind: 'status', status: 503, call: 'list', times: Infinity });

      const second = await run(stack);

      const ready = readySourceIds(emulator);
      expect(second.totals).toMatchObject({
        copied: 0,
        failed: 0,
        unverified: ready.length,
        alreadyReplicated: ready.length,
      });
      expect(second.unverified.map((u) => u.sourceModelId).sort()).toEqual(ready);
      for (const u of second.unverified) {
        expect(u).toMatchObject({ region: 'eastus', reason: expect.stringMatching(/could not be listed/) });
        expect(u.lastVerifiedAt).toEqual(expect.any(String));
      }
      await expectSettled(stack, second);
      const r = await report();
      for (const id of ready) {
        expect(cell(r, id, 'eastus')).toMatchObject({ status: 'unverified', ageSeconds: expect.any(Number) });
        expect(cell(r, id, 'eastus')?.ageSeconds).toBeGreaterThanOrEqual(600);
        expect(cell(r, id, 'westeurope')?.status).toBe('replicated');
      }
      expect(r.rows.every((row) => !row.ready)).toBe(true);
      expect(r.totals).toMatchObject({ readyModels: 0, unverified: ready.length });
    });
  });

  describe.each(DOCUMENT_VERSIONS)('DR_API_VERSION=%s', (version) => {
    it('fact 3: a limit error (DocumentModelLimitNeural) stops the pair at once with the code: one authorization, one copy', async () => {
      const emulator = await stack.reset(
        versionReset(version, {
          resources: withTargets(version, { refuseCopies: [{ code: 'DocumentModelLimitNeural', models: 'neural' }] }),
        }),
      );

      const summary = await run(stack, { models: ['receipts-eu'], regions: ['eastus'] });

      expect(failureOf(summary, 'receipts-eu', 'eastus')).toMatchObject({
        attempts: 1,
        reason: { kind: 'permanent', code: 'DocumentModelLimitNeural', message: expect.any(String) },
      });
      expect(issuedAuthorizations(emulator, TARGETS.eastus)).toBe(1);
      expect(copyPosts('receipts-eu')).toHaveLength(1);
      await expectSettled(stack, summary);
      expect(cell(await report(), 'receipts-eu', 'eastus')).toMatchObject({
        status: 'failed',
        lastError: { code: 'DocumentModelLimitNeural' },
      });
    });

    it('fact 4: a copy whose docType was renamed to the target id is still ours: the fallback-id recovery after an expired operation makes no second copy', async () => {
      // The docType of receipts-eu is keyed by the model id: the copy's docType is keyed by the TARGET id.
      const emulator = await stack.reset(
        versionReset(version, {
          resources: withTargets(version, { reservedIdPolicy: 'burn' }),
          env: { DR_COPY_DEADLINE_MINUTES: '1440' },
        }),
      );
      // The copy POST is throttled past the one-hour authorization: the id is burned, the copy goes
      // to a fallback id (and its docType 'receipts-eu' comes back keyed by that fallback id).
      emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 65 * 60, call: 'copy', times: 1 });
      // Then its status cannot be read for a day: by then the operation is gone (OperationNotFound).
      emulator.faults.add(SOURCE, {
        kind: 'throttle',
        retryAfterSeconds: 24 * 3600 + 120,
        call: 'copyResult',
        times: 1,
      });

      const summary = await run(stack, { models: ['receipts-eu'], regions: ['eastus'] });

      expect(summary.failures).toEqual([]);
      expect(summary.copies).toEqual([
        { sourceModelId: 'receipts-eu', region: 'eastus', targetModelId: expect.stringMatching(/^receipts-eu-dr/) },
      ]);
      const target = emulator.documentModels(TARGETS.eastus).find((m) => m.modelId === summary.copies[0].targetModelId);
      expect(target?.docTypes).toEqual([summary.copies[0].targetModelId]); // renamed, as recorded
      expect(copyPosts('receipts-eu').filter((r) => r.status === 202)).toHaveLength(1); // recovered, not copied again
      const copy = itemsOf(emulator, TARGETS.eastus).filter((m) => m.copiedFrom === 'receipts-eu');
      expect(copy).toHaveLength(1);
      await expectSettled(stack, summary);
    });

    it('fact 5: v2-era and expired models in the listing are reported not copyable with the reason, never tried', async () => {
      const emulator = await stack.reset(versionReset(version));
      emulator.addDocumentModel(SOURCE, { modelId: 'legacy-v21', apiVersion: '2.1' });
      emulator.addDocumentModel(SOURCE, {
        modelId: 'expired-one',
        apiVersion: version,
        expirationDateTime: '2026-01-01T00:00:00Z',
      });

      const summary = await run(stack, { regions: ['eastus'] });

      expect(summary.invalidModels.map((m) => [m.modelId, m.notCopyable?.reason]).sort()).toEqual([
        ['expired-one', 'expired'],
        ['legacy-v21', 'createdWithV2'],
      ]);
      expect(summary.failures).toEqual([]);
      expect(copyPosts('legacy-v21')).toEqual([]);
      expect(copyPosts('expired-one')).toEqual([]);
      await expectSettled(stack, summary);
      const r = await report();
      expect(r.notCopyable).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            modelId: 'legacy-v21',
            reason: expect.stringMatching(/created with API version 2\.1/),
          }),
          expect.objectContaining({ modelId: 'expired-one', reason: expect.stringMatching(/expired/) }),
        ]),
      );
    });
  });

  it('fact 2: a composed model whose component model failed in a region is reported with that reason, not copied there', async () => {
    const emulator = await stack.reset(
      versionReset(V4, {
        resources: withTargets(V4, { composedCopyRequires: 'classifier' }).map((r) =>
          r.name === TARGETS.eastus
            ? { ...r, refuseCopies: [{ code: 'DocumentModelLimitNeural', models: 'neural' }] }
            : r,
        ),
      }),
    );

    const summary = await run(stack);

    // receipts-eu (neural) is refused in eastus; the composed model needs it under that id.
    expect(failureOf(summary, 'receipts-eu', 'eastus')?.reason.code).toBe('DocumentModelLimitNeural');
    expect(failureOf(summary, 'finance-composed', 'eastus')).toMatchObject({
      attempts: 1,
      reason: {
        kind: 'permanent',
        code: 'ComponentModelNotFound',
        message: expect.stringMatching(/model 'receipts-eu'.*DocumentModelLimitNeural/s),
      },
    });
    expect(copyPosts('finance-composed').filter((r) => r.status === 202)).toHaveLength(1); // westeurope only
    expect(summary.failures).toHaveLength(2);
    expect(summary.copies.filter((c) => c.region === 'westeurope')).toHaveLength(readySourceIds(emulator).length);
    await expectSettled(stack, summary);
    const r = await report();
    expect(cell(r, 'finance-composed', 'eastus')).toMatchObject({
      status: 'failed',
      lastError: { code: 'ComponentModelNotFound' },
    });
    expect(cell(r, 'finance-composed', 'westeurope')?.status).toBe('replicated');
  });

  it('fact 7 (v2.1): a wrong target region is answered like a reused authorization; after the second identical answer the pair stops, naming the configured region', async () => {
    const emulator = await stack.reset(versionReset('v2.1', { targetOptions: { eastus: { region: 'eastus2' } } }));
    const [modelId] = readySourceIds(emulator);

    const summary = await run(stack, { models: [modelId], regions: ['eastus2'] });

    expect(failureOf(summary, modelId, 'eastus2')).toMatchObject({
      attempts: 2,
      reason: {
        kind: 'permanent',
        message: expect.stringMatching(
          /^authorization rejected: the target's region or resource id is probably wrong \(or the authorization was reused\).*'eastus2'/,
        ),
      },
    });
    expect(issuedAuthorizations(emulator, TARGETS.eastus)).toBe(2);
    expect(emulator.models(TARGETS.eastus).filter((m) => m.blank)).toEqual([]);
    const r = await report();
    expect(cell(r, modelId, 'eastus2')?.status).toBe('failed');
  });
});
