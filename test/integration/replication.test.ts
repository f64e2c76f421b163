import { VirtualClock } from '../../dev/clock';
import { useLocalStack } from '../support/stack';
import { API_VERSIONS, TARGETS, expectSettled, itemsOf, readySourceIds, run, versionReset } from './replicationHarness';

describe('replication run (local host + Azurite + emulator, virtual clock)', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ clock, logger: () => undefined });

  describe.each(API_VERSIONS)('DR_API_VERSION=%s', (version) => {
    it('copies every ready model to every region once, then nothing', async () => {
      const emulator = await stack.reset(versionReset(version));
      const ready = readySourceIds(emulator);
      expect(ready.length).toBeGreaterThanOrEqual(4);

      const first = await run(stack);

      expect(first.totals.copied).toBe(ready.length * 2);
      expect(first.totals.failed).toBe(0);
      for (const region of [TARGETS.eastus, TARGETS.westeurope]) {
        const copies = itemsOf(emulator, region);
        expect(copies.filter((m) => m.ready)).toHaveLength(ready.length);
        expect(copies).toHaveLength(ready.length); // no blank model left behind
        expect(copies.map((m) => m.copiedFrom).sort()).toEqual(ready);
      }
      await expectSettled(stack, first);

      const second = await run(stack);
      expect(second.totals.copied).toBe(0);
      expect(second.totals.alreadyReplicated).toBe(ready.length * 2);
    });
  });
});
