/**
 * A v2.1 target at its model limit (issue 22, item 8), on the emulator with the limit enforced
 * (`enforceModelLimit`: a copy authorization at the limit is refused). Planning reads the
 * target's `count`/`limit` (`?op=summary`) and ends the pairs that do not fit with the named
 * failure `targetFull`, with the numbers — no authorization is sent to the full target — instead
 * of a generic failure from the refused authorization. The superseded copy stays.
 */
import { VirtualClock } from '../../dev/clock';
import { defaultResourceSpecs } from '../../dev/emulators/formRecognizer';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { TARGETS, failureOf, ledgerOf, readySourceIds, run, SOURCE } from './replicationHarness';

describe('a v2.1 target at its model limit: targetFull, with the numbers (issue 22, item 8)', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({
    clock,
    ...QUIET_STACK,
    host: { ...QUIET_STACK.host, atLeastOnce: [{ activity: 'planReplication', count: 2 }] },
  });

  it('a retrained model whose target is full: the pair fails targetFull (count, limit) before any call; the other region copies it', async () => {
    const [source, eastus, westeurope] = defaultResourceSpecs();
    const ready = 5;
    const emulator = await stack.reset({
      resources: [source, { ...eastus, modelLimit: ready, enforceModelLimit: true }, westeurope],
    });
    const ids = readySourceIds(emulator);
    expect(ids).toHaveLength(ready);

    // Run 1: exactly the room eastus has.
    const first = await run(stack);
    expect(first.totals).toMatchObject({ copied: ready * 2, failed: 0 });
    const before = emulator.models(TARGETS.eastus).filter((m) => !m.blank);
    expect(before).toHaveLength(ready);

    // The source retrains one model: its copies are superseded, and eastus has no room for the new one.
    const retrained = ids[0];
    clock.advance(60_000);
    emulator.upsertModel(SOURCE, { modelId: retrained, lastUpdatedDateTime: new Date(clock.now()).toISOString() });
    const from = emulator.requestLog.length;
    const second = await run(stack);

    const failure = failureOf(second, retrained, 'eastus');
    expect(failure?.reason).toMatchObject({ kind: 'permanent', code: 'targetFull' });
    expect(failure?.reason.message).toContain(`holds ${ready} of its ${ready} models`);
    expect(second.totals).toMatchObject({ failed: 1, copied: 1 });
    expect(second.copies).toEqual([expect.objectContaining({ sourceModelId: retrained, region: 'westeurope' })]);
    // Nothing was sent to the full target but its listing and summary: no authorization to refuse.
    const eastCalls = emulator.requestLog.slice(from).filter((r) => r.resource === TARGETS.eastus);
    expect(eastCalls.filter((r) => r.call === 'authorize')).toEqual([]);
    expect(eastCalls.some((r) => r.call === 'summary')).toBe(true);
    // The superseded copy is still there (the app makes no room by deleting a serving replica).
    expect(emulator.models(TARGETS.eastus).filter((m) => !m.blank)).toHaveLength(ready);
    // The ledger and the report say why, with the code.
    const record = (await (await ledgerOf(stack)).replicas.listForModel(retrained)).find((r) => r.region === 'eastus');
    expect(record?.lastError).toMatchObject({ code: 'targetFull' });
    const report = (await (await fetch(`${stack.host.baseUrl}/api/report`)).json()) as {
      rows: Array<{ sourceModelId: string; cells: Record<string, { lastError?: { code?: string } }> }>;
    };
    expect(report.rows.find((r) => r.sourceModelId === retrained)?.cells.eastus?.lastError?.code).toBe('targetFull');
  });

  it('a dry run lists the pairs without room in its plan, and records nothing', async () => {
    const [source, eastus, westeurope] = defaultResourceSpecs();
    const emulator = await stack.reset({
      resources: [source, { ...eastus, modelLimit: 2, enforceModelLimit: true }, westeurope],
    });
    const summary = await run(stack, { dryRun: true });
    const full = summary.plan?.targetFull ?? [];
    expect(full).toHaveLength(readySourceIds(emulator).length - 2);
    expect(full.every((p) => p.region === 'eastus' && p.count === 0 && p.limit === 2)).toBe(true);
    expect(await (await ledgerOf(stack)).replicas.listAll()).toEqual([]);
  });
});
