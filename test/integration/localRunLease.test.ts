/**
 * `npm run local -- --once` as a pipeline step on real storage (issue 22, item 3): real child
 * processes on one standalone Azurite. A run lease naming a run no live process can own (an
 * earlier process's finished run, or a process that stopped renewing) is free; a lease a live
 * process renews makes `--once` exit at once with code 3, naming the run — never a wait. Every
 * process is bounded by a timeout that fails the test instead of hanging it.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { RunLeaseRepository, type RunLease } from '../../src/ledger/runLease';

import { runLocal } from '../support/localProcess';
const LEDGER = 'model-dr';

const lastJson = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

describe('npm run local -- --once on real storage: the run lease never makes it hang (issue 22, item 3)', () => {
  let azurite: AzuriteInstance;
  let env: Record<string, string>;
  const lease = (): RunLeaseRepository =>
    new RunLeaseRepository(BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(LEDGER));

  beforeAll(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(LEDGER)
      .createIfNotExists();
    env = { AzureWebJobsStorage: azurite.connectionString, DR_MAX_PARALLEL: '10' };
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('two consecutive --once --json runs on one storage: the second starts its own run and returns (was: waited forever)', async () => {
    const first = await runLocal(['--once', '--json', '--port', '0'], env, 150_000);
    expect({ status: first.status, timedOut: first.timedOut }).toEqual({ status: 0, timedOut: false });
    const firstRun = (lastJson(first.stdout).summary as { runId: string }).runId;

    const second = await runLocal(['--once', '--json', '--port', '0'], env, 150_000);
    expect({
      status: second.status,
      timedOut: second.timedOut,
      stderr: second.status === 0 ? '' : second.stderr,
    }).toEqual({ status: 0, timedOut: false, stderr: '' });
    const secondRun = (lastJson(second.stdout).summary as { runId: string }).runId;
    expect(secondRun).not.toBe(firstRun);
    // Each process gave its lease up when its run ended.
    expect(await lease().get()).toBeUndefined();
  }, 320_000);

  it('a lease a live process renews: --once exits at once with code 3 and names the run holding it; nothing is copied', async () => {
    const now = new Date().toISOString();
    const holder: RunLease = {
      runId: 'schedule-20261207T120000Z-live01',
      trigger: 'schedule',
      acquiredAt: now,
      store: 'process:pipeline-agent-7/4242/0a1b2c3d',
      renewedAt: now,
    };
    const current = await lease().store.get(RunLeaseRepository.KEY);
    expect((await lease().store.replace(RunLeaseRepository.KEY, holder, current?.etag)).written).toBe(true);

    const ended = await runLocal(['--once', '--json', '--port', '0'], env, 90_000);
    expect({ status: ended.status, timedOut: ended.timedOut }).toEqual({ status: 3, timedOut: false });
    expect(ended.stderr).toContain(`held by run ${holder.runId} (schedule`);
    expect(ended.stderr).toContain('process:pipeline-agent-7/4242/0a1b2c3d');
    expect(ended.stderr).not.toMatch(/replication run \S+ started/);
    expect(lastJson(ended.stdout)).toMatchObject({
      runId: null,
      runtimeStatus: 'NotStarted',
      leaseHolder: { runId: holder.runId },
    });
    // The live holder keeps its lease.
    expect((await lease().get())?.runId).toBe(holder.runId);
  }, 120_000);

  it('a lease whose process stopped renewing it (killed mid-run, no run report) is free: --once runs and returns', async () => {
    const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
    const holder: RunLease = {
      runId: 'schedule-20261207T120000Z-dead01',
      trigger: 'schedule',
      acquiredAt: twoMinutesAgo,
      store: 'process:pipeline-agent-7/4243/0a1b2c3e',
      renewedAt: twoMinutesAgo,
    };
    const current = await lease().store.get(RunLeaseRepository.KEY);
    expect((await lease().store.replace(RunLeaseRepository.KEY, holder, current?.etag)).written).toBe(true);

    const ended = await runLocal(['--once', '--json', '--port', '0'], env, 150_000);
    expect({ status: ended.status, timedOut: ended.timedOut, stderr: ended.status === 0 ? '' : ended.stderr }).toEqual({
      status: 0,
      timedOut: false,
      stderr: '',
    });
    expect((lastJson(ended.stdout).summary as { runId: string }).runId).toMatch(/^schedule-/);
  }, 180_000);
});
