/**
 * A run that dies mid-copy after a failover (issue 23 on top of issue 25 item 3): its copies land
 * later, and the next run's crash sweep must record them as the replicas — verified against the
 * member they were copied **from** (the active primary then, eastus), not against the home member
 * — so nothing is deleted and nothing is copied again. Through the local host, Azurite and the
 * emulator on a virtual clock; the sweep and the copy activities run at least once.
 *
 * Before: the sweep read the copy's source from `DR_SOURCE_*` (westus2) under the lineage key:
 * a copy of a model born in eastus (`eastus@id`) was "not found" there and deleted; a home model's
 * copy made from eastus carries eastus in its lineage tags and was judged "not our copy" and deleted.
 */
import { VirtualClock } from '../../dev/clock';
import type { HostEvent } from '../../dev/host/types';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import { SOURCE, TARGETS, itemsOf, ledgerOf, readySourceIds, run, startRun, versionReset } from './replicationHarness';

describe('the crash sweep after a failover verifies a landed copy against the member it was copied from', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  let armed = false;
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        // The sweep activity (Activities.sweepBlankModels, registered as `sweepOrphans`) of the run after the crash.
        { activity: (name) => armed && name.toLowerCase() === 'sweeporphans', count: 2 },
        { activity: 'startCopy', count: 2 },
      ],
    },
  });

  it('2024-11-30: a run from eastus dies with 2 copies into westeurope in flight; they land; the next run keeps both: 0 deleted, 0 copied again', async () => {
    // Copies take an hour while `slow` is on: the first run is terminated while they are in flight.
    let slow = false;
    const emulator = (await stack.reset(
      versionReset('2024-11-30', { emulator: { copyDurationMs: () => (slow ? 3_600_000 : 5_000) } }),
    )) as FormRecognizerEmulator;
    const home = readySourceIds(emulator).find((m) => !m.startsWith('classifier:'))!;
    expect((await run(stack)).totals.failed).toBe(0);

    // Unplanned failover westus2 → eastus (westus2 drops every connection meanwhile).
    emulator.faults.add(SOURCE, { kind: 'drop', times: Number.MAX_SAFE_INTEGER });
    const started = await fetch(`${stack.host.baseUrl}/api/failovers`, {
      method: 'POST',
      body: JSON.stringify({ to: 'eastus', mode: 'unplanned' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(started.status).toBe(202);
    const { id: failoverId } = (await started.json()) as { id: string };
    expect((await stack.host.durable.waitForInstance(failoverId)).runtimeStatus).toBe('Completed');
    emulator.faults.clear(SOURCE); // westus2 back; eastus stays primary

    // Two copies to make from eastus into westeurope: a model born in eastus, and a home model
    // whose westeurope copy is gone (it is copied again, from eastus).
    emulator.addDocumentModel(TARGETS.eastus, { modelId: 'trained-in-outage', apiVersion: '2024-11-30' });
    const westeurope = emulator.resources.find((r) => r.name === TARGETS.westeurope)!;
    const removed = await fetch(
      `${westeurope.endpoint}/documentintelligence/documentModels/${encodeURIComponent(home)}?api-version=2024-11-30`,
      { method: 'DELETE', headers: { 'Ocp-Apim-Subscription-Key': westeurope.key } },
    );
    expect(removed.status).toBe(204);
    slow = true;
    const crashed = await startRun(stack, { regions: ['westeurope'] });
    await stack.host.runUntilIdle({ until: clock.now() + 10 * 60_000 });
    expect(emulator.documentOperations(TARGETS.eastus)).toHaveLength(2);
    const ledger = await ledgerOf(stack);
    expect((await ledger.pendingTargets.listAll()).map((p) => p.sourceModelId).sort()).toEqual(
      ['eastus@trained-in-outage', home].sort(),
    );
    // The process dies: the run and every sub-orchestration of it (each copy's) stop at once.
    // (Terminating the run alone would leave its copy orchestrations running, and they would record
    // the copies themselves when they land.)
    const live = stack.host.durable.list({ runtimeStatus: ['Running', 'Pending'] });
    expect(live.map((i) => i.instanceId)).toContain(crashed);
    for (const i of live) stack.host.durable.terminate(i.instanceId, 'killed mid-copy');
    await stack.host.runUntilIdle({ advanceTime: false });
    expect(stack.host.durable.getStatus(crashed)?.runtimeStatus).toBe('Terminated');
    expect(stack.host.durable.list({ runtimeStatus: ['Running', 'Pending'] })).toEqual([]);

    // The copies land while nothing runs.
    slow = false;
    clock.advance(2 * 3_600_000);
    const landed = itemsOf(emulator, TARGETS.westeurope).filter((m) =>
      ['trained-in-outage', home].includes(m.copiedFrom ?? ''),
    );
    expect(landed.map((m) => m.ready)).toEqual([true, true]);

    const deletesBefore = emulator.requestLog.filter((r) => r.method === 'DELETE').length; // the one above
    const copiesBefore = emulator.documentOperations(TARGETS.eastus).length;
    let lost = 0;
    const onLost = (e: HostEvent): void => {
      if (e.type === 'activityResultLost' && e.name === 'sweepOrphans') lost += 1;
    };
    stack.host.events.on('activityResultLost', onLost);
    armed = true; // the next run's sweeps run at least once (their first results are lost)
    const next = await run(stack);
    stack.host.events.off('activityResultLost', onLost);
    expect(lost).toBe(2);
    expect(next.sourceRegion).toBe('eastus');
    expect(emulator.requestLog.filter((r) => r.method === 'DELETE').length).toBe(deletesBefore);
    // The only copy made is the new model into westus2 (the crashed run was for westeurope only).
    expect(next.copies).toEqual([
      { sourceModelId: 'eastus@trained-in-outage', region: 'westus2', targetModelId: 'trained-in-outage' },
    ]);
    expect(emulator.documentOperations(TARGETS.eastus).length).toBe(copiesBefore + 1);
    expect(next.totals).toMatchObject({ failed: 0 });
    expect(next.recovered).toEqual([
      expect.objectContaining({
        sourceModelId: 'eastus@trained-in-outage',
        region: 'westeurope',
        startedByRun: crashed,
      }),
    ]);
    expect(await ledger.replicas.get('eastus@trained-in-outage', 'westeurope')).toMatchObject({
      state: 'replicated',
      sourceRegion: 'eastus',
      targetModelId: 'trained-in-outage',
    });
    // The home model's landed copy is under the id its record names: kept, already replicated.
    expect(await ledger.replicas.get(home, 'westeurope')).toMatchObject({ state: 'replicated', targetModelId: home });
    expect(await ledger.pendingTargets.listAll()).toEqual([]);
    // Exactly one copy of each lineage in westeurope.
    const held = itemsOf(emulator, TARGETS.westeurope).filter((m) => m.ready && !m.blank);
    expect(held.filter((m) => m.copiedFrom === 'trained-in-outage' || m.modelId === 'trained-in-outage')).toHaveLength(
      1,
    );
    expect(held.filter((m) => m.copiedFrom === home || m.modelId === home)).toHaveLength(1);
  }, 240_000);
});
