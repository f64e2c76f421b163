/**
 * The listing scratch (ledger/listingScratch.ts) on Azurite: a run's listing read back by
 * following its cursors, whatever at-least-once execution appended twice; another run's or an
 * unfinished listing is never taken for this run's.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite';
import { createLedgerContainerClient } from '../../src/ledger';
import { ListingScratch } from '../../src/ledger/listingScratch';

const isEntry = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';

describe('listing scratch (Azurite)', () => {
  const azurite = useAzurite();
  let container: ContainerClient;
  let n = 0;
  beforeEach(async () => {
    container = createLedgerContainerClient({ connectionString: azurite.connectionString }, `scratch-${++n}`);
    await container.create();
  });

  it('reads a listing back in page order, taking the last line written from each cursor', async () => {
    const scratch = new ListingScratch(container);
    await scratch.begin('target-eastus', 'run-1');
    await scratch.append('target-eastus', { next: 'p2', items: [['a', 'ready']] });
    // The call from p2 ran twice (its first result was lost): the same pages appended again.
    await scratch.append('target-eastus', { from: 'p2', next: 'p3', items: [['b', 'ready']] });
    await scratch.append('target-eastus', { from: 'p2', next: 'p3', items: [['b', 'ready']] });
    await scratch.append('target-eastus', { from: 'p3', done: true, items: [['c', 'creating']] });
    expect(await scratch.read('target-eastus', 'run-1', isEntry)).toEqual({
      complete: true,
      items: [
        ['a', 'ready'],
        ['b', 'ready'],
        ['c', 'creating'],
      ],
    });
  });

  it("never hands one run another run's listing, a missing one, or one that stopped before its last page", async () => {
    const scratch = new ListingScratch(container);
    expect(await scratch.read('source', 'run-2', isEntry)).toEqual({ complete: false, reason: 'missing', items: [] });
    await scratch.begin('source', 'run-1');
    await scratch.append('source', { done: true, items: [['a', 'ready']] });
    expect(await scratch.read('source', 'run-2', isEntry)).toEqual({ complete: false, reason: 'otherRun', items: [] });
    // A new run's listing replaces the old one from its first page on.
    await scratch.begin('source', 'run-2');
    await scratch.append('source', { next: 'p2', items: [['x', 'ready']] });
    expect(await scratch.read('source', 'run-2', isEntry)).toEqual({
      complete: false,
      reason: 'incomplete',
      items: [['x', 'ready']],
    });
  });

  it('stores a chunk holding a secret redacted (a listing never fails a run for its text); refuses a line that is not a chunk', async () => {
    const scratch = new ListingScratch(container);
    await scratch.begin('source', 'run-1');
    await scratch.append('source', {
      done: true,
      items: [{ modelName: 'https://x.example/c?sv=1&sig=abc' }, { modelName: 'm.ONNX;AccountKey=k3y' }],
    });
    const stored = (await container.getBlobClient(ListingScratch.key('source')).downloadToBuffer()).toString();
    expect(stored).not.toMatch(/sig=abc|k3y/);
    expect(stored).toContain('AccountKey=[redacted]');
    await container.getAppendBlobClient(ListingScratch.key('source')).appendBlock('{"nope":1}\n', 11);
    await expect(scratch.read('source', 'run-1', isEntry)).rejects.toThrow(/not a valid chunk/);
  });
});
