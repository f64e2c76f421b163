/**
 * `ModelDr.FailoverCompleted` is sent once per switch (docs/failover.md, issue 23), through the
 * local host with Azurite and the emulator: the record-saving activity that sends it and the
 * switch run again after their results were lost (the at-least-once switch), and the event is
 * still sent exactly once; the failover record carries the mark (`eventSentAt`) a re-run reads.
 */
import { VirtualClock } from '../../dev/clock';
import { EVENTS, MemoryTelemetry } from '../../src/telemetry';
import { useLocalStack } from '../support/stack';
import { SOURCE, ledgerOf, run } from './replicationHarness';

describe('ModelDr.FailoverCompleted: once per switch, whatever re-runs the activities', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const telemetry = new MemoryTelemetry();
  const stack = useLocalStack({
    clock,
    telemetry,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        // The save of the finished record (the one that sends the event) runs three times.
        {
          activity: (name: string, input: unknown) =>
            name === 'saveFailoverRecord' && (input as { status?: unknown }).status === 'completed',
          count: 2,
        },
        { activity: 'switchPrimary', count: 2 },
      ],
    },
  });

  it('an unplanned failover with the primary down: one event, the record marked', async () => {
    const emulator = await stack.reset();
    expect((await run(stack)).totals.failed).toBe(0);
    emulator.faults.add(SOURCE, { kind: 'drop', times: 1_000_000 });
    telemetry.events.length = 0;

    const started = await fetch(`${stack.host.baseUrl}/api/failovers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: 'eastus', mode: 'unplanned' }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const ended = await stack.host.durable.waitForInstance(id);
    expect(ended.runtimeStatus).toBe('Completed');
    expect((ended.output as { status: string }).status).toBe('completed');

    // The at-least-once switch did re-run both activities.
    const lost = stack.host.events.log.filter((e) => e.type === 'activityResultLost' && e.instanceId === id);
    expect(lost.map((e) => (e as { name: string }).name).sort()).toEqual([
      'saveFailoverRecord',
      'saveFailoverRecord',
      'switchPrimary',
      'switchPrimary',
    ]);

    const sent = telemetry.eventsNamed(EVENTS.failoverCompleted);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ failoverId: id, mode: 'unplanned', from: 'westus2', to: 'eastus' });

    const record = await (await ledgerOf(stack)).failovers.get(id);
    expect(record).toMatchObject({ id, status: 'completed' });
    expect(record?.eventSentAt).toMatch(/^2026-12-01T/);
  });
});
