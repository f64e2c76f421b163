/**
 * LedgerAccess (src/ledger/access.ts) against a primary that does not answer the way storage
 * should — a socket that accepts and never replies (timeout), a server answering 503 — with
 * Azurite as the secondary: the read is served there, marked read-only with the reason; without
 * a secondary it is a LedgerUnavailableError naming the problem; writes are refused.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../dev/clock';
import { DEV_ACCOUNT, DEV_KEY } from '../../dev/azurite';
import { LEDGER_READ_RETRY, LedgerAccess } from '../../src/ledger/access';
import { createLedgerContainerClient, openLedger } from '../../src/ledger/connect';
import { LedgerUnavailableError } from '../../src/ledger/errors';
import { useAzurite } from '../support/azurite';

const CONTAINER = 'access-ledger';

describe('LedgerAccess: a primary that times out or answers 5xx', () => {
  const azurite = useAzurite();
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const servers: Array<net.Server | http.Server> = [];
  const sockets: net.Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
  });

  async function listen(server: net.Server | http.Server): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/${DEV_ACCOUNT}`;
  }
  const hanging = (): Promise<string> =>
    listen(
      net.createServer((socket) => {
        sockets.push(socket); // accepted, never answered
        socket.on('error', () => undefined);
      }),
    );
  const failing = (): Promise<string> =>
    listen(
      http.createServer((_req, res) => {
        res.writeHead(503, { 'x-ms-error-code': 'ServerBusy' }).end();
      }),
    );

  function access(primaryUrl: string, withSecondary: boolean): LedgerAccess {
    const connection = {
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${primaryUrl};`,
    };
    const pipeline = { retryOptions: LEDGER_READ_RETRY };
    return new LedgerAccess({
      containerName: CONTAINER,
      clock,
      deadlineMs: 500,
      primary: createLedgerContainerClient(connection, CONTAINER, { pipeline }),
      ...(withSecondary
        ? {
            secondary: createLedgerContainerClient(connection, CONTAINER, {
              pipeline,
              blobEndpoint: azurite.blobEndpoint,
            }),
          }
        : {}),
    });
  }

  beforeAll(async () => {
    // The secondary's copy of the ledger: one replica record.
    const ledger = await openLedger(
      createLedgerContainerClient({ connectionString: azurite.connectionString }, CONTAINER),
      { clock },
    );
    await ledger.replicas.markInProgress({
      sourceModelId: 'm1',
      region: 'eastus',
      targetResourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/t',
      runId: 'run-1',
    });
  });

  it.each([
    ['accepts and never answers (timeout)', hanging, /no answer within 0.5 s/],
    ['answers 503', failing, /HTTP 503/],
  ])('a primary that %s: the read comes from the secondary, marked read-only', async (_name, start, detail) => {
    const a = access(await start(), true);
    const read = await a.read(async (ledger) => (await ledger.replicas.listAll()).map((r) => r.sourceModelId));
    expect(read.value).toEqual(['m1']);
    expect(read.readOnly?.reason).toMatch(/primary endpoint cannot be reached/);
    expect(read.readOnly?.reason).toMatch(detail);
    expect(read.readOnly?.reason).toMatch(/read from the secondary endpoint; the ledger is read-only/);
    expect(await a.writeRefusal()).toMatch(/primary endpoint cannot be reached/);
  });

  it('without a secondary: LedgerUnavailableError naming the problem and the setting', async () => {
    const a = access(await hanging(), false);
    const error = await a.read(async (ledger) => ledger.replicas.listAll()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as LedgerUnavailableError).kind).toBe('unreachable');
    expect((error as Error).message).toMatch(/no answer within 0.5 s.*DR_LEDGER_SECONDARY_BLOB_URL/);
    expect((error as Error).message).not.toContain(DEV_KEY);
  });
});

describe('LedgerAccess: the first requests of a new deployment', () => {
  const azurite = useAzurite();
  const clock = new VirtualClock('2026-11-21T00:00:00Z');

  it('concurrent first reads of a container this instance never saw all answer from the new, empty ledger (none calls it lost)', async () => {
    const name = `first-use-${Date.now().toString(36)}`;
    const a = new LedgerAccess({
      containerName: name,
      clock,
      primary: createLedgerContainerClient({ connectionString: azurite.connectionString }, name),
    });
    const reads = await Promise.allSettled(
      Array.from({ length: 6 }, () => a.read(async (ledger) => (await ledger.replicas.listAll()).length)),
    );
    expect(reads.map((r) => (r.status === 'fulfilled' ? r.value.value : String(r.reason)))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
