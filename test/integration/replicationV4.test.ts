/**
 * What only v3.1 / v4 (Document Intelligence 2024-11-30) copies have: caller-chosen ids (the
 * same id in every region), lineage tags, 409 ModelExists on authorize, one-hour
 * authorizations that burn their id when unused (azure-sdk-for-net #51813), operations
 * forgotten after 24 h, `prebuilt-*` models, classifiers and composed models that reference
 * them by id. Same orchestrations and harness as the parameterised tests.
 */
import { VirtualClock } from '../../dev/clock';
import type { ResourceSpec } from '../../dev/emulators/formRecognizer';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { LINEAGE_TAG_KEYS as LINEAGE_TAGS } from '../../src/replication/lineage';
import {
  SOURCE,
  TARGETS,
  expectSettled,
  failureOf,
  issuedAuthorizations,
  itemsOf,
  ledgerOf,
  readySourceIds,
  resourcesFor,
  run,
  versionReset,
} from './replicationHarness';

const V4 = '2024-11-30' as const;
const HOUR = 3600_000;

describe('replication with Document Intelligence 2024-11-30 (local host + Azurite + emulator, virtual clock)', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ clock, ...QUIET_STACK });

  const withTargets = (patch: Partial<ResourceSpec>): ResourceSpec[] =>
    resourcesFor(V4).map((r) => (r.name === SOURCE ? r : { ...r, ...patch }));
  const copyPosts = (modelId?: string) =>
    stack.emulator!.requestLog.filter((r) => r.call === 'copy' && (modelId === undefined || r.modelId === modelId));

  it('copies each item under the same id in every region, with lineage tags; the failover lookup needs no mapping', async () => {
    const emulator = await stack.reset(versionReset(V4));
    const ready = readySourceIds(emulator);
    const source = emulator.resource(SOURCE);

    const summary = await run(stack);

    expect(summary.totals).toMatchObject({ copied: ready.length * 2, failed: 0 });
    for (const c of summary.copies) expect(c.targetModelId).toBe(c.sourceModelId);
    for (const region of [TARGETS.eastus, TARGETS.westeurope]) {
      const models = itemsOf(emulator, region);
      expect(models.map((m) => m.modelId)).toEqual(ready);
      for (const m of models.filter((x) => !x.modelId.startsWith('classifier:'))) {
        expect(m.tags).toMatchObject({
          [LINEAGE_TAGS.sourceResource]: source.resourceId,
          [LINEAGE_TAGS.sourceRegion]: 'westus2',
          [LINEAGE_TAGS.sourceId]: m.modelId,
          [LINEAGE_TAGS.runId]: summary.runId,
        });
        for (const v of Object.values(m.tags ?? {})) expect(v.length).toBeLessThanOrEqual(256);
      }
    }
    // The source's own tags travel with the copy.
    expect(itemsOf(emulator, TARGETS.eastus).find((m) => m.modelId === 'invoices-2025')?.tags).toMatchObject({
      team: 'finance',
    });
    const replicas = await (await ledgerOf(stack)).replicas.listForModel('invoices-2025');
    expect(replicas.map((r) => r.targetModelId)).toEqual(['invoices-2025', 'invoices-2025']);
    await expectSettled(stack, summary);
  });

  it('never copies prebuilt-* models', async () => {
    const emulator = await stack.reset(versionReset(V4));
    expect(emulator.documentModels(SOURCE).filter((m) => m.prebuilt).length).toBeGreaterThan(0);

    const summary = await run(stack);

    expect(summary.totals.readyModels).toBe(readySourceIds(emulator).length);
    expect(JSON.stringify(summary)).not.toMatch(/prebuilt-/);
    expect(
      emulator.requestLog.filter(
        (r) => r.modelId?.startsWith('prebuilt-') || r.authorizationModelId?.startsWith('prebuilt-'),
      ),
    ).toEqual([]);
  });

  it('copies the classifier first, then the plain models, then the composed model that references them by id', async () => {
    // The strictest target: a composed copy needs its classifier AND its components in place.
    const emulator = await stack.reset(
      versionReset(V4, { resources: withTargets({ composedCopyRequires: 'classifierAndComponents' }) }),
    );

    const summary = await run(stack);

    expect(summary.failures).toEqual([]);
    for (const region of [TARGETS.eastus, TARGETS.westeurope]) {
      const composed = emulator.documentModels(region).find((m) => m.modelId === 'finance-composed');
      expect(composed).toMatchObject({
        classifierId: 'finance-classifier',
        componentModelIds: ['invoices-2025', 'receipts-eu'],
      });
    }
    const order = copyPosts().filter((r) => r.status === 202);
    const last = (id: string) => Math.max(...order.map((r, i) => (r.modelId === id ? i : -1)));
    const first = (id: string) => order.findIndex((r) => r.modelId === id);
    expect(last('finance-classifier')).toBeLessThan(first('invoices-2025'));
    expect(last('invoices-2025')).toBeLessThan(first('finance-composed'));
    expect(last('receipts-eu')).toBeLessThan(first('finance-composed'));
    await expectSettled(stack, summary);
  });

  it('409 on authorize over a verified copy of ours (e.g. the ledger was lost): recorded as replicated, nothing copied', async () => {
    const emulator = await stack.reset(versionReset(V4));
    const source = emulator.resource(SOURCE);
    emulator.addDocumentModel(TARGETS.eastus, {
      modelId: 'receipts-eu',
      description: 'receipts',
      apiVersion: V4,
      docTypes: { 'receipts-eu': { buildMode: 'neural' } },
      tags: {
        [LINEAGE_TAGS.sourceResource]: source.resourceId,
        [LINEAGE_TAGS.sourceId]: 'receipts-eu',
        [LINEAGE_TAGS.runId]: 'an-earlier-run',
      },
    });

    const summary = await run(stack, { models: ['receipts-eu'], regions: ['eastus'] });

    // Made by an earlier run: already replicated, not copied (fact 8).
    expect(summary.copies).toEqual([]);
    expect(summary.foundInTarget).toEqual([
      { sourceModelId: 'receipts-eu', region: 'eastus', targetModelId: 'receipts-eu' },
    ]);
    expect(summary.totals).toMatchObject({ copied: 0, alreadyReplicated: 1, failed: 0 });
    expect(emulator.requestLog.filter((r) => r.call === 'authorize').map((r) => r.status)).toEqual([409]);
    expect(copyPosts()).toEqual([]);
    expect(await (await ledgerOf(stack)).replicas.get('receipts-eu', 'eastus')).toMatchObject({
      state: 'replicated',
      targetModelId: 'receipts-eu',
    });
  });

  it('409 on authorize over a foreign model with the same id: a reported conflict, the model untouched', async () => {
    const emulator = await stack.reset(versionReset(V4));
    const foreign = emulator.addDocumentModel(TARGETS.eastus, {
      modelId: 'receipts-eu',
      description: 'someone else',
      tags: { owner: 'team-b' },
      docTypes: { other: { buildMode: 'template' } },
    });

    const summary = await run(stack, { models: ['receipts-eu'], regions: ['eastus'] });

    expect(failureOf(summary, 'receipts-eu', 'eastus')).toMatchObject({
      attempts: 1,
      reason: {
        kind: 'conflict',
        code: 'ModelExists',
        message: expect.stringMatching(/not a verified copy.*left untouched/),
      },
    });
    expect(emulator.documentModels(TARGETS.eastus)).toContainEqual(foreign);
    expect(emulator.requestLog.filter((r) => r.call === 'deleteModel')).toEqual([]);
    expect(copyPosts()).toEqual([]);
    expect(await (await ledgerOf(stack)).replicas.get('receipts-eu', 'eastus')).toMatchObject({
      state: 'failed',
      lastError: expect.objectContaining({ kind: 'conflict' }),
    });
    expect(await (await ledgerOf(stack)).pendingTargets.listAll()).toEqual([]);
  });

  it('throttled for less than the one-hour authorization: the same authorization is used, the same id kept', async () => {
    const emulator = await stack.reset(versionReset(V4, { env: { DR_COPY_DEADLINE_MINUTES: '1440' } }));
    emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 1800, call: 'copy', times: 1 });

    const summary = await run(stack, { models: ['invoices-2025'], regions: ['eastus'] });

    expect(summary.copies).toEqual([
      { sourceModelId: 'invoices-2025', region: 'eastus', targetModelId: 'invoices-2025' },
    ]);
    expect(issuedAuthorizations(emulator)).toBe(1);
    expect(copyPosts().map((r) => r.status)).toEqual([429, 202]);
  });

  describe.each([
    ['burn', /^invoices-2025-dr[0-9a-z]+$/],
    ['releaseOnExpiry', /^invoices-2025$/],
  ] as const)(
    'an authorization expiring (one hour) while the copy POST is throttled, reservedIdPolicy %s',
    (policy, targetId) => {
      it('is replaced by a fresh one, never sent expired; a burned id falls back to a recorded new id', async () => {
        const emulator = await stack.reset(
          versionReset(V4, {
            resources: withTargets({ reservedIdPolicy: policy }),
            env: { DR_COPY_DEADLINE_MINUTES: '1440' },
          }),
        );
        emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 65 * 60, call: 'copy', times: 1 });

        const summary = await run(stack, { models: ['invoices-2025'], regions: ['eastus'] });

        const posts = copyPosts();
        expect(posts.map((r) => r.status)).toEqual([429, 202]);
        expect(posts[1].time - posts[0].time).toBeGreaterThanOrEqual(HOUR);
        expect(issuedAuthorizations(emulator)).toBe(2);
        expect(posts[1].authorizationModelId).toMatch(targetId);
        expect(summary.copies).toEqual([
          { sourceModelId: 'invoices-2025', region: 'eastus', targetModelId: expect.stringMatching(targetId) },
        ]);
        // The mapping is recorded whatever the id: the failover lookup finds the copy.
        expect(await (await ledgerOf(stack)).replicas.get('invoices-2025', 'eastus')).toMatchObject({
          state: 'replicated',
          targetModelId: expect.stringMatching(targetId),
        });
        await expectSettled(stack, summary);
      });
    },
  );

  it('an operation forgotten by the service (24 h, OperationNotFound) is recovered by checking the target', async () => {
    const emulator = await stack.reset(versionReset(V4, { env: { DR_COPY_DEADLINE_MINUTES: '1440' } }));
    // The first status request is throttled for a day: by then the finished operation is gone.
    emulator.faults.add(SOURCE, { kind: 'throttle', retryAfterSeconds: 24 * 3600 + 120, call: 'copyResult', times: 1 });

    const summary = await run(stack, { models: ['invoices-2025'], regions: ['eastus'] });

    const results = emulator.requestLog.filter((r) => r.call === 'copyResult').map((r) => r.status);
    expect(results).toEqual([429, 404]);
    expect(summary.copies).toEqual([
      { sourceModelId: 'invoices-2025', region: 'eastus', targetModelId: 'invoices-2025' },
    ]);
    expect(copyPosts()).toHaveLength(1); // recovered, not copied again
    await expectSettled(stack, summary);
  });

  it('a classifier whose id is burned goes to a fallback id; the composed model that needs it is reported, not attempted', async () => {
    const emulator = await stack.reset(versionReset(V4));
    // The classifier's first copy to eastus fails: its authorization is spent and its id burned.
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'InternalServerError',
      message: 'An unexpected error occurred.',
      when: (req) =>
        req.path.includes('documentClassifiers') &&
        req.targetResourceId === emulator.resource(TARGETS.eastus).resourceId,
    });

    const summary = await run(stack);

    expect(
      summary.copies.find((c) => c.sourceModelId === 'classifier:finance-classifier' && c.region === 'eastus')
        ?.targetModelId,
    ).toMatch(/^classifier:finance-classifier-dr/);
    expect(failureOf(summary, 'finance-composed', 'eastus')).toMatchObject({
      attempts: 1,
      reason: {
        kind: 'permanent',
        code: 'ClassifierNotFound',
        message: expect.stringMatching(/finance-classifier.*not copied/),
      },
    });
    expect(
      emulator.requestLog.filter(
        (r) =>
          r.call === 'authorize' &&
          r.resource === TARGETS.eastus &&
          r.path.includes('documentModels:authorizeCopy') &&
          r.status === 200,
      ),
    ).toHaveLength(4); // the four plain models only
    expect(summary.failures).toHaveLength(1); // westeurope got everything, composed included
    await expectSettled(stack, summary);
  });
});
