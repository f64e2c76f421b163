/**
 * AnalyzeClient (restore drills) against the emulator's analyze routes over loopback HTTP on a
 * virtual clock, for v2.1, 2023-07-31 and 2024-11-30: the operation lifecycle with Retry-After,
 * a deterministic answer a faithful copy repeats, the per-resource faults, the analyze rate
 * limit and the Operation-Location check.
 */
import { VirtualClock } from '../../dev/clock';
import {
  defaultResourceSpecs,
  startFormRecognizerEmulator,
  type FormRecognizerEmulator,
  type ResourceSpec,
} from '../../dev/emulators/formRecognizer';
import type { ApiVersion } from '../../src/common/apiVersions';
import { AnalyzeClient } from '../../src/formRecognizer/analyzeClient';
import { ForeignHostError, ThrottledError } from '../../src/formRecognizer';
import { reduceAnalyzeResult } from '../../src/drills/result';

const VERSIONS = ['v2.1', '2023-07-31', '2024-11-30'] as const;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >>\n2 0 obj << /Type /Page >>\n%%EOF');

function specs(version: (typeof VERSIONS)[number], analyze: ResourceSpec['analyze'] = {}): ResourceSpec[] {
  if (version === 'v2.1') {
    const [source, target] = defaultResourceSpecs();
    return [source, { ...target, models: source.models, analyze }];
  }
  const models = [
    { modelId: 'invoices', apiVersion: version, docTypes: { invoices: { fieldSchema: { Total: {}, Vendor: {} } } } },
  ];
  return [
    { name: 'src', region: 'westus2', apiVersions: [version], documentModels: models },
    { name: 'dr', region: 'eastus', apiVersions: [version], documentModels: models, analyze },
  ];
}

describe.each(VERSIONS)('analyze %s (client + emulator, virtual clock)', (version) => {
  let clock: VirtualClock;
  let emu: FormRecognizerEmulator;
  afterEach(async () => emu?.close());

  async function start(
    analyze: ResourceSpec['analyze'] = {},
  ): Promise<{ src: AnalyzeClient; dr: AnalyzeClient; modelId: string }> {
    clock = new VirtualClock('2026-12-01T00:00:00Z');
    emu = await startFormRecognizerEmulator({ resources: specs(version, analyze), clock });
    const [s, d] = emu.resources;
    const mk = (r: typeof s) =>
      new AnalyzeClient({
        endpoint: r.endpoint,
        apiVersion: version as ApiVersion,
        credential: { key: r.key },
        now: () => clock.now(),
      });
    const modelId =
      version === 'v2.1' ? emu.models(s.name).find((m) => m.status === 'ready' && !m.isComposed)!.modelId : 'invoices';
    return { src: mk(s), dr: mk(d), modelId };
  }

  async function analyzed(c: AnalyzeClient, modelId: string): Promise<unknown> {
    const { operationLocation, retryAfterMs } = await c.startAnalyze(modelId, {
      bytes: PDF,
      contentType: 'application/pdf',
    });
    expect(retryAfterMs).toBe(1000);
    const first = await c.getAnalyzeResult(operationLocation);
    expect(first).toEqual({ status: 'running', retryAfterMs: expect.any(Number) });
    clock.advance(3000);
    const done = await c.getAnalyzeResult(operationLocation);
    if (done.status !== 'succeeded') throw new Error(JSON.stringify(done));
    return done.analyzeResult;
  }

  it('runs, then succeeds with a deterministic answer that a faithful copy repeats', async () => {
    const { src, dr, modelId } = await start();
    const family = version === 'v2.1' ? 'v2' : 'documentModels';
    const a = reduceAnalyzeResult(family, await analyzed(src, modelId), false);
    const b = reduceAnalyzeResult(family, await analyzed(dr, modelId), false);
    expect(a.pages).toBe(2);
    expect(Object.keys(a.fields).length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('a replica seeded to answer differently gives other values for those fields only', async () => {
    const { src, dr, modelId } = await start({ differentFields: ['Total'] });
    const family = version === 'v2.1' ? 'v2' : 'documentModels';
    const a = reduceAnalyzeResult(family, await analyzed(src, modelId), false);
    const b = reduceAnalyzeResult(family, await analyzed(dr, modelId), false);
    const differing = Object.keys(a.fields).filter((f) => a.fields[f].valueHash !== b.fields[f]?.valueHash);
    expect(differing).toEqual(['Total']);
  });

  it('a failing analyze ends failed with the service reason', async () => {
    const { dr, modelId } = await start({
      fail: { code: 'InvalidContent', message: 'The file is corrupted or format is unsupported.' },
    });
    const { operationLocation } = await dr.startAnalyze(modelId, { bytes: PDF, contentType: 'application/pdf' });
    clock.advance(5000);
    expect(await dr.getAnalyzeResult(operationLocation)).toEqual({
      status: 'failed',
      error: { code: 'InvalidContent', message: 'The file is corrupted or format is unsupported.' },
    });
  });

  it('throttles analyze posts beyond the per-second limit with Retry-After', async () => {
    const { dr, modelId } = await start({ analyzePerSecond: 2 });
    await dr.startAnalyze(modelId, { bytes: PDF, contentType: 'application/pdf' });
    await dr.startAnalyze(modelId, { bytes: PDF, contentType: 'application/pdf' });
    const e = await dr.startAnalyze(modelId, { bytes: PDF, contentType: 'application/pdf' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ThrottledError);
    expect((e as ThrottledError).retryAfterMs).toBe(1000);
  });

  it('refuses an Operation-Location on another host before sending any credential', async () => {
    const { src } = await start();
    const before = emu.requestLog.length;
    await expect(src.getAnalyzeResult('http://127.0.0.1:1/formrecognizer/x/analyzeResults/1')).rejects.toBeInstanceOf(
      ForeignHostError,
    );
    await expect(
      src.getAnalyzeResult(`${src.endpoint}/formrecognizer/v2.1/custom/models/copyAuthorization`),
    ).rejects.toBeInstanceOf(ForeignHostError);
    expect(emu.requestLog.length).toBe(before);
  });
});
