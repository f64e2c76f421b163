/**
 * `npm run local` against configured resources (issue 22, item 4): the demos (made-up drill
 * samples, the Custom Vision training) run only against the emulators. Here the configured
 * "resources" are a Form Recognizer emulator in this test process that records every request it
 * receives — a peer the child process was configured with through `DR_SOURCE_ENDPOINT` /
 * `DR_TARGETS`, as real resources would be. Nothing is sent that the user did not configure: no
 * `:analyze` without the user's own `DR_DRILL_SAMPLES_URL`; with it, drills run on the user's
 * samples and nothing is seeded into the user's storage. Real child processes, bounded by a
 * timeout that fails the test instead of hanging it.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import {
  defaultResourceSpecs,
  startFormRecognizerEmulator,
  type FormRecognizerEmulator,
} from '../../dev/emulators/formRecognizer';
import { settingsForEmulator } from '../../dev/stack';

import { runLocal } from '../support/localProcess';

const lastJson = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

/** The peer's log: `resource call` per request (`?` for a path that matched no route). */
const calls = (peer: FormRecognizerEmulator, from = 0): string[] =>
  peer.requestLog.slice(from).map((r) => `${r.resource} ${r.call ?? `? ${r.method} ${r.path}`}`);

describe('npm run local with configured resources: no demo reaches them (issue 22, item 4)', () => {
  let peer: FormRecognizerEmulator;
  let configured: Record<string, string>;

  beforeAll(async () => {
    peer = await startFormRecognizerEmulator({ resources: defaultResourceSpecs() });
    configured = { ...settingsForEmulator(peer), DR_MAX_PARALLEL: '10' };
  });
  afterAll(async () => {
    await peer?.close();
  });

  it('default Azurite storage: replication only — no :analyze, no Custom Vision, nothing unconfigured; exit 0', async () => {
    const from = peer.requestLog.length;
    const ended = await runLocal(['--once', '--json', '--port', '0'], configured, 150_000);
    expect({ status: ended.status, timedOut: ended.timedOut, stderr: ended.status === 0 ? '' : ended.stderr }).toEqual({
      status: 0,
      timedOut: false,
      stderr: '',
    });
    const seen = calls(peer, from);
    expect(seen.length).toBeGreaterThan(0);
    // Every request reached a configured resource on a route the copy uses: nothing to analyze, nothing unknown.
    expect(seen.filter((c) => /analyze|\?/.test(c))).toEqual([]);
    const names = new Set(peer.resources.map((r) => r.name));
    expect(peer.requestLog.slice(from).filter((r) => !names.has(r.resource))).toEqual([]);
    const doc = lastJson(ended.stdout);
    expect(doc.summary).toMatchObject({ totals: expect.objectContaining({ failed: 0 }) });
    // No demo ran: no drill run, no Custom Vision backup, no degraded health because of one.
    expect(doc).not.toHaveProperty('drills');
    expect(doc).not.toHaveProperty('customVision');
    expect(ended.stderr).not.toMatch(/custom vision:|drill run/);
  }, 180_000);

  describe("with the user's storage and own DR_DRILL_SAMPLES_URL", () => {
    let azurite: AzuriteInstance;
    beforeAll(async () => {
      azurite = await startAzurite();
    }, 60_000);
    afterAll(async () => {
      await azurite?.stop();
    });

    it("drills run on the user's samples only; nothing is seeded into the user's storage", async () => {
      const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
      const samples = blobs.getContainerClient('my-samples');
      await samples.createIfNotExists();
      const source = peer.resources[0];
      const model = peer.models(source.name).find((m) => m.status === 'ready' && !m.blank);
      if (!model) throw new Error('the peer has no ready source model');
      const sample = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >>\n(my own invoice)\n%%EOF');
      await samples.getBlockBlobClient(`${model.modelId}/invoice.pdf`).uploadData(sample);

      const from = peer.requestLog.length;
      const ended = await runLocal(
        ['--once', '--json', '--port', '0'],
        {
          ...configured,
          AzureWebJobsStorage: azurite.connectionString,
          DR_DRILL_SAMPLES_URL: `${azurite.blobEndpoint}/my-samples`,
        },
        150_000,
      );
      expect({
        status: ended.status,
        timedOut: ended.timedOut,
        stderr: ended.status === 0 ? '' : ended.stderr,
      }).toEqual({ status: 0, timedOut: false, stderr: '' });
      const doc = lastJson(ended.stdout) as { drills?: { totals: Record<string, number> } };
      if (!doc.drills) throw new Error(ended.stderr);
      // The user's one sample, analyzed at the source and in both regions: two drilled pairs.
      expect(doc.drills?.totals).toMatchObject({ passed: 2, mismatch: 0, failed: 0 });
      const analyzed = peer.requestLog
        .slice(from)
        .filter((r) => r.call === 'analyze')
        .map((r) => r.path);
      expect(analyzed.length).toBe(3);
      // The source analyzes the user's model; no other model is analyzed anywhere.
      expect(analyzed.filter((p) => p.includes(model.modelId))).toHaveLength(1);
      // Nothing written into the user's storage but the app's own ledger and task state: no demo container,
      // and the samples container holds exactly the user's blob.
      const containers: string[] = [];
      for await (const c of blobs.listContainers()) containers.push(c.name);
      expect(containers).not.toContain('drill-samples');
      const names: string[] = [];
      for await (const b of samples.listBlobsFlat()) names.push(b.name);
      expect(names).toEqual([`${model.modelId}/invoice.pdf`]);
    }, 200_000);
  });
});
