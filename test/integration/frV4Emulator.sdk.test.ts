/**
 * Faithful peer check: the official @azure-rest/ai-document-intelligence 1.1.0 client (2024-11-30)
 * against the emulator's v4 mode over plain loopback HTTP, running its own copy sample flow:
 * authorizeCopy on the target, copyTo on the source, getLongRunningPoller until done.
 * Copies take 0 ms of clock time, so the poller needs one poll and the test never sleeps.
 */
import DocumentIntelligence, { getLongRunningPoller, isUnexpected } from '@azure-rest/ai-document-intelligence';
import { startFormRecognizerEmulator, type FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { DocumentModelsClient } from '../../src/formRecognizer';

const SHARED_KEY = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

describe('Document Intelligence emulator — official @azure-rest/ai-document-intelligence 1.1.0 as a peer', () => {
  let emu: FormRecognizerEmulator;

  beforeAll(async () => {
    emu = await startFormRecognizerEmulator({
      copyDurationMs: 0,
      resources: [
        {
          name: 'src',
          region: 'westus2',
          apiVersions: ['2024-11-30'],
          documentModels: [{ modelId: 'invoices', description: 'invoices' }],
          classifiers: [{ classifierId: 'router' }],
        },
        { name: 'dr', region: 'eastus', apiVersions: ['2024-11-30'] },
        // Same key as 'shared-dr': the poller's final GET of resourceLocation (the TARGET model) is sent with the
        // SOURCE client's credential, so only a credential valid on both resources lets pollUntilDone fetch it.
        {
          name: 'shared-src',
          region: 'westus2',
          key: SHARED_KEY,
          apiVersions: ['2024-11-30'],
          documentModels: [{ modelId: 'invoices' }],
        },
        { name: 'shared-dr', region: 'eastus', key: SHARED_KEY, apiVersions: ['2024-11-30'] },
      ],
    });
  });

  afterAll(async () => {
    await emu.close();
  });

  const client = (name: string) => {
    const r = emu.resource(name);
    // core-rest-pipeline refuses http unless allowInsecureConnection is set.
    return DocumentIntelligence(
      r.endpoint,
      { key: r.key },
      { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
    );
  };

  it('runs the SDK copy sample: authorizeCopy → copyTo → poll until done → the copied model', async () => {
    const source = client('shared-src');
    const target = client('shared-dr');

    const authorization = await target
      .path('/documentModels:authorizeCopy')
      .post({ body: { modelId: 'invoices-dr', description: 'copied by the SDK' } });
    if (isUnexpected(authorization)) throw new Error(authorization.body.error.message);
    expect(authorization.body.targetModelId).toBe('invoices-dr');

    const initial = await source
      .path('/documentModels/{modelId}:copyTo', 'invoices')
      .post({ body: authorization.body });
    if (isUnexpected(initial)) throw new Error(initial.body.error.message);
    expect(initial.status).toBe('202');

    const poller = getLongRunningPoller(source, initial, { intervalInMs: 1 });
    const done = await poller.pollUntilDone();
    expect(poller.operationState?.status).toBe('succeeded');
    // core-lro fetches the operation's resourceLocation (the target model) once it succeeds
    expect(done.status).toBe('200');
    expect(done.body).toMatchObject({ modelId: 'invoices-dr', description: 'copied by the SDK' });

    const again = await target.path('/documentModels:authorizeCopy').post({ body: { modelId: 'invoices-dr' } });
    expect(again.status).toBe('409');
    expect(isUnexpected(again) && again.body.error.innererror?.code).toBe('ModelExists');
  });

  it('with a different key per resource the copy succeeds, but the final GET of the target with the source key is 401', async () => {
    const source = client('src');
    const target = client('dr');
    const authorization = await target.path('/documentModels:authorizeCopy').post({ body: { modelId: 'invoices-dr' } });
    if (isUnexpected(authorization)) throw new Error(authorization.body.error.message);
    const initial = await source
      .path('/documentModels/{modelId}:copyTo', 'invoices')
      .post({ body: authorization.body });
    if (isUnexpected(initial)) throw new Error(initial.body.error.message);
    const poller = getLongRunningPoller(source, initial, { intervalInMs: 1 });
    const done = await poller.pollUntilDone();
    expect(poller.operationState?.status).toBe('succeeded');
    expect(done.status).toBe('401');
    const got = await target.path('/documentModels/{modelId}', 'invoices-dr').get();
    expect(got.status).toBe('200');
  });

  it('runs the classifier copy with the SDK, then our client reads what the SDK made', async () => {
    const source = client('src');
    const target = client('dr');
    const authorization = await target
      .path('/documentClassifiers:authorizeCopy')
      .post({ body: { classifierId: 'router-dr' } });
    if (isUnexpected(authorization)) throw new Error(authorization.body.error.message);
    const initial = await source
      .path('/documentClassifiers/{classifierId}:copyTo', 'router')
      .post({ body: authorization.body });
    if (isUnexpected(initial)) throw new Error(initial.body.error.message);
    const poller = getLongRunningPoller(source, initial, { intervalInMs: 1 });
    await poller.pollUntilDone();
    expect(poller.operationState?.status).toBe('succeeded');

    const r = emu.resource('dr');
    const ours = new DocumentModelsClient({
      endpoint: r.endpoint,
      region: r.region,
      resourceId: r.resourceId,
      credential: { key: r.key },
      apiVersion: '2024-11-30',
    });
    await expect(ours.getClassifier('router-dr')).resolves.toMatchObject({ classifierId: 'router-dr' });
    await expect(ours.getModel('invoices-dr')).resolves.toMatchObject({ modelId: 'invoices-dr' });
  });
});
