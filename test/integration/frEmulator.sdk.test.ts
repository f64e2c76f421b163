/**
 * Faithful peer check: the official @azure/ai-form-recognizer 3.2.0 FormTrainingClient (REST v2.1)
 * against the emulator over plain loopback HTTP. Real clock, short copy.
 */
import { AzureKeyCredential, FormTrainingClient } from '@azure/ai-form-recognizer';
import {
  demoSourceModels,
  type FormRecognizerEmulator,
  startFormRecognizerEmulator,
} from '../../dev/emulators/formRecognizer';

describe('Form Recognizer emulator — official SDK 3.2.0 as a peer', () => {
  let emu: FormRecognizerEmulator;

  beforeAll(async () => {
    emu = await startFormRecognizerEmulator({
      copyDurationMs: 150,
      resources: [
        { name: 'src', region: 'westus2', models: demoSourceModels() },
        { name: 'dr', region: 'eastus' },
        { name: 'dr-ticks', region: 'centralus', tickEncoding: 'ticks' },
      ],
    });
  });

  afterAll(async () => {
    await emu.close();
  });

  const client = (name: string): FormTrainingClient => {
    const r = emu.resource(name);
    // Plain http to 127.0.0.1 works with a key credential (core-http only insists on https for bearer tokens).
    return new FormTrainingClient(r.endpoint, new AzureKeyCredential(r.key), { retryOptions: { maxRetries: 0 } });
  };

  it('lists models, reads the summary, authorizes, copies with the poller and reads the copy', async () => {
    const source = client('src');
    const target = client('dr');
    const dr = emu.resource('dr');

    const listed = [];
    for await (const m of source.listCustomModels()) listed.push(m);
    expect(listed.map((m) => m.modelId)).toEqual(
      demoSourceModels()
        .map((m) => m.modelId)
        .sort(),
    );
    expect(listed.find((m) => m.status === 'invalid')).toBeDefined();
    // SDK 3.2.0 quirk: list items keep the wire's `attributes` (its typings say `properties`).
    expect(
      listed.find((m) => (m as unknown as { attributes?: { isComposed: boolean } }).attributes?.isComposed),
    ).toBeDefined();

    const info = await source.getAccountProperties();
    expect(info).toEqual({ customModelCount: 6, customModelLimit: 5000 });

    const authorization = await target.getCopyAuthorization(dr.resourceId, dr.region);
    expect(authorization.expiresOn.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);

    const composed = demoSourceModels().find((m) => m.isComposed)!;
    const poller = await source.beginCopyModel(composed.modelId!, authorization, { updateIntervalInMs: 25 });
    const result = await poller.pollUntilDone();
    expect(result).toMatchObject({ status: 'ready', modelId: authorization.modelId });

    const copied = await target.getCustomModel(authorization.modelId);
    expect(copied.modelId).toBe(authorization.modelId);
    expect(copied.status).toBe('ready');
    expect(copied.modelName).toBe(composed.modelName);
    expect(copied.properties?.isComposedModel).toBe(true);
    expect(copied.trainingStartedOn).toEqual(new Date(composed.createdDateTime!));
    expect(copied.submodels?.length).toBe(2);
  });

  it('surfaces a reused authorization as a failed copy', async () => {
    const dr = emu.resource('dr');
    const authorization = await client('dr').getCopyAuthorization(dr.resourceId, dr.region);
    const modelId = demoSourceModels()[0]!.modelId!;
    await (await client('src').beginCopyModel(modelId, authorization, { updateIntervalInMs: 25 })).pollUntilDone();
    const again = await client('src').beginCopyModel(modelId, authorization, { updateIntervalInMs: 25 });
    await expect(again.pollUntilDone()).rejects.toThrow(/"code":"2024"/);
  });

  it('an SDK that reads .NET ticks as seconds cannot send the authorization back: 400 1002', async () => {
    const t = emu.resource('dr-ticks');
    const authorization = await client('dr-ticks').getCopyAuthorization(t.resourceId, t.region);
    expect(Number.isNaN(authorization.expiresOn.getTime())).toBe(true);
    await expect(client('src').beginCopyModel(demoSourceModels()[0]!.modelId!, authorization)).rejects.toMatchObject({
      statusCode: 400,
      code: '1002',
    });
  });
});
