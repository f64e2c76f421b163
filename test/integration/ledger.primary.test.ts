/**
 * The active primary is one ledger document changed by a conditional write (docs/failover.md):
 * absent = the home member; concurrent switches from the same state → exactly one wins; a switch
 * re-run by its own failover is done, not repeated; lineage keys invert and keep home ids.
 */
import { useAzurite } from '../support/azurite';
import { ledgerContainers } from '../support/ledger';
import { openLedger } from '../../src/ledger/connect';
import { lineageKey, parseLineageKey } from '../../src/common/pairs';

describe('the active primary in the ledger', () => {
  const azurite = useAzurite();
  const containers = ledgerContainers(azurite, 'ledger-primary');

  it('absent: the home member, epoch 0', async () => {
    const ledger = await openLedger(containers.next());
    expect((await ledger.primary.read('westus2')).state).toEqual({ primary: 'westus2', home: 'westus2', epoch: 0 });
  });

  it('ten concurrent switches: exactly one wins; the winner re-run is done; the others see the new primary', async () => {
    const ledger = await openLedger(containers.next());
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ledger.primary.switchTo(
          'westus2',
          'westus2',
          i % 2 ? 'eastus' : 'westeurope',
          `failover-${i}`,
          '2026-12-01T00:00:00.000Z',
        ),
      ),
    );
    const winners = outcomes.filter((o) => o.switched && !o.alreadyDone);
    expect(winners).toHaveLength(1);
    for (const o of outcomes.filter((x) => !x.switched))
      expect(o).toMatchObject({ reason: expect.stringMatching(/another switch came first/) });
    const state = (await ledger.primary.read('westus2')).state;
    expect(state).toMatchObject({ home: 'westus2', epoch: 1, failoverId: winners[0].state.failoverId });
    const again = await ledger.primary.switchTo(
      'westus2',
      'westus2',
      state.primary,
      state.failoverId!,
      '2026-12-01T00:01:00.000Z',
    );
    expect(again).toMatchObject({ switched: true, alreadyDone: true });
    expect((await ledger.primary.read('westus2')).state.epoch).toBe(1);
  });

  it('lineage keys: home lineages keep the item id (existing ledgers unchanged), others name their origin', () => {
    expect(lineageKey({ origin: 'westus2', itemId: 'invoices' }, 'westus2')).toBe('invoices');
    expect(lineageKey({ origin: 'eastus', itemId: 'classifier:c1' }, 'westus2')).toBe('eastus@classifier:c1');
    for (const key of ['invoices', 'eastus@new-model', 'eastus@classifier:c1'])
      expect(lineageKey(parseLineageKey(key, 'westus2'), 'westus2')).toBe(key);
  });
});
