/**
 * Runs are singletons, atomically: concurrent starts over real parallel HTTP requests (and the
 * schedule at the same moment) start exactly one run; every other start is a 409 naming it, and
 * no pair is copied twice. The copy activities run at least once (their first result is lost).
 */
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import type { RunSummary } from '../../src/replication/contracts';
import { REGIONS, TARGETS, expectSettled, itemsOf, ledgerOf, readySourceIds } from './replicationHarness';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('replication runs are singletons', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'startCopy', count: 4 },
        { activity: 'finishCopy', count: 4 },
      ],
    },
  });

  async function post(body: string): Promise<Reply> {
    const res = await fetch(`${stack.host.baseUrl}/api/replications`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  function runs(): string[] {
    return stack.host.durable
      .list()
      .filter((s) => s.name === 'replicateModels')
      .map((s) => s.instanceId);
  }

  it('twenty concurrent POST /api/replications: exactly one 202, nineteen 409 naming it, each pair copied once', async () => {
    const emulator = (await stack.reset()) as FormRecognizerEmulator;
    const ready = readySourceIds(emulator);
    const before = new Set(runs());

    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(i % 4 === 3 ? JSON.stringify({ dryRun: true }) : '{}')),
    );

    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const id = accepted[0].body.id as string;
    const refused = replies.filter((r) => r.status !== 202);
    expect(refused.map((r) => r.status)).toEqual(Array(19).fill(409));
    for (const r of refused) {
      expect(r.body).toMatchObject({ id, error: expect.stringContaining(id) });
      expect(r.body.statusUrl).toBe(`${stack.host.baseUrl}/api/replications/${encodeURIComponent(id)}`);
    }
    expect(runs().filter((r) => !before.has(r))).toEqual([id]);
    expect((await (await ledgerOf(stack)).runLease.get())?.runId).toBe(id);

    const status = await stack.host.durable.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Completed');
    const summary = status.output as RunSummary;
    if (!(accepted[0].body.dryRun as boolean)) {
      expect(summary.totals).toMatchObject({ copied: ready.length * REGIONS.length, failed: 0 });
      await expectSettled(stack, summary);
    }
    for (const region of REGIONS) {
      const sources = itemsOf(emulator, TARGETS[region]).map((m) => m.copiedFrom);
      expect(new Set(sources).size).toBe(sources.length);
    }

    // Over: the lease is free again, and the next start wins it.
    const next = await post(JSON.stringify({ dryRun: true }));
    expect(next.status).toBe(202);
    await stack.host.durable.waitForInstance(next.body.id as string);
  });

  it('the schedule firing together with concurrent POSTs: one run in all', async () => {
    const emulator = (await stack.reset()) as FormRecognizerEmulator;
    const ready = readySourceIds(emulator);
    const before = new Set(runs());

    const [replies] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, () => post('{}'))),
      stack.host.timers.fire('replicationSchedule'),
      stack.host.timers.fire('replicationSchedule'),
    ]);

    const started = runs().filter((id) => !before.has(id));
    expect(started).toHaveLength(1);
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted.length).toBeLessThanOrEqual(1);
    for (const r of replies.filter((x) => x.status !== 202)) {
      expect(r.status).toBe(409);
      expect(r.body.id).toBe(started[0]);
    }
    const status = await stack.host.durable.waitForInstance(started[0]);
    const summary = status.output as RunSummary;
    expect(summary.totals).toMatchObject({ copied: ready.length * REGIONS.length, failed: 0 });
    await expectSettled(stack, summary);
  });
});
