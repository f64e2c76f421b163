/**
 * `npm run local`: restore drills after the replication. The demo (emulated models, a
 * `drills: true` stack) seeds a made-up sample for `seedCount` models into its in-memory Azurite
 * sample container; with the user's own `DR_DRILL_SAMPLES_URL` (`seedCount` 0) nothing is
 * seeded. Then it starts a drill run over `POST /api/drills`, follows it and prints one line per
 * drilled pair.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { DrillRunSummary } from '../src/drills/contracts';
import { DRILL_SAMPLES_CONTAINER, type LocalStack } from './stack';

/** A two-page PDF-like sample: enough for the emulator's analyze (pages, bytes hashed). */
const SAMPLE = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >>\n(drill sample)\n2 0 obj << /Type /Page >>\n%%EOF');

export async function drillDemo(
  stack: LocalStack,
  modelIds: readonly string[],
  out: (s: string) => void,
  headers: Record<string, string> = {},
  seedCount = 2,
): Promise<DrillRunSummary | undefined> {
  // The app's own settings (the environment and local.settings.json, as the host applied them).
  if (!stack.app.current().settings.drills.samples) return undefined;
  if (seedCount > 0) {
    // Only into the demo's own in-memory Azurite: never into storage the user configured.
    if (!stack.azurite) throw new Error('the drill demo seeds samples only into the in-memory Azurite');
    const container = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
      DRILL_SAMPLES_CONTAINER,
    );
    await container.createIfNotExists();
    const seeded = modelIds.filter((id) => !id.startsWith('classifier:')).slice(0, seedCount);
    for (const id of seeded) await container.getBlockBlobClient(`${id}/sample.pdf`).uploadData(SAMPLE);
  }
  const res = await fetch(`${stack.host.baseUrl}/api/drills`, {
    method: 'POST',
    body: '{}',
    headers: { ...headers, 'Content-Type': 'application/json' },
  });
  if (res.status !== 202) {
    out(`drills: POST /api/drills answered ${res.status}`);
    return undefined;
  }
  const { id } = (await res.json()) as { id: string };
  const final = await stack.host.durable.waitForInstance(id);
  const summary = final.output as DrillRunSummary | undefined;
  if (final.runtimeStatus !== 'Completed' || !summary) {
    out(`drill run ${id} ended ${final.runtimeStatus}`);
    return undefined;
  }
  const t = summary.totals;
  out(
    `drill run ${id}: ${t.passed} passed, ${t.mismatch} mismatch, ${t.failed} failed, ${t.noSample} model(s) with no sample; ${summary.pagesAnalyzed} of at most ${summary.maxPages} page(s) analyzed`,
  );
  for (const p of summary.pairs)
    out(
      `  ${p.outcome.padEnd(8)} ${p.sourceModelId} → ${p.region}${p.differingFields ? `: ${p.differingFields.join(', ')}` : ''}${p.reason ? `: ${p.reason.code ?? ''} ${p.reason.message}` : ''}`,
    );
  return summary;
}
