import { VirtualClock } from '../../dev/clock';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { RunSummary } from '../../src/replication/contracts';

describe('replication run (local host + Azurite + emulator, virtual clock)', () => {
  let stack: LocalStack;
  const clock = new VirtualClock('2026-11-21T00:00:00Z');

  beforeAll(async () => {
    stack = await startLocalStack({ clock, logger: () => undefined });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function run(input: Record<string, unknown> = {}): Promise<RunSummary> {
    const id = await stack.host.durable.startNew('replicateModels', { input: { trigger: 'local', ...input } });
    const status = await stack.host.durable.waitForInstance(id);
    if (status.runtimeStatus !== 'Completed') throw new Error(`run ${id} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
    return status.output as RunSummary;
  }

  it('copies every ready model to every region once, then nothing', async () => {
    const emulator = await stack.reset();
    const first = await run();
    const ready = emulator.models('fr-source-westus2').filter((m) => m.status === 'ready');
    expect(first.totals.copied).toBe(ready.length * 2);
    expect(first.totals.failed).toBe(0);
    for (const region of ['fr-dr-eastus', 'fr-dr-westeurope']) {
      const copies = emulator.models(region);
      expect(copies.filter((m) => m.status === 'ready')).toHaveLength(ready.length);
      expect(copies).toHaveLength(ready.length); // no blank model left behind
    }
    const second = await run();
    expect(second.totals.copied).toBe(0);
    expect(second.totals.alreadyReplicated).toBe(ready.length * 2);
  });
});
