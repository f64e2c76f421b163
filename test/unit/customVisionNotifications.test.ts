import {
  MAX_NOTIFICATION_BYTES,
  notificationKey,
  parseNotification,
  rejectedMessageRecord,
  sanitizeRawMessage,
  type CustomVisionNotification,
  type PayloadEncoding,
  type RejectionCode,
} from '../../src/customVision/notifications';
import { createModelUriPolicy } from '../../src/customVision/modelUri';

const P = '5c2b7d38-1d3a-4f0e-9d53-2b7f7e3c1a10';
const I = 'a1e4c0b2-77f2-4a8e-8f1b-0d3c2e9f6b21';
const BACKUP = 'https://drbackups.blob.core.windows.net/cv-backups';
const MODEL_URI = `${BACKUP}/${encodeURIComponent(`${P} - ${I}.ONNX`)}`;
const policy = createModelUriPolicy({
  backupContainerUrl: BACKUP,
  replicaContainerUrl: 'https://drreplica.blob.core.windows.net/cv-replica',
});

type Msg = Record<string, unknown>;
const connectionTest: Msg = { version: '1.0', type: 'ConnectionTest', Content: { projectId: P } };
const trainingDone: Msg = {
  version: '1.0',
  type: 'Training',
  Content: { projectId: P, iterationId: I, trainingStatus: 'TrainingCompleted' },
};
const trainingFailed: Msg = {
  version: '1.0',
  type: 'Training',
  Content: { projectId: P, iterationId: I, trainingStatus: 'TrainingFailed' },
};
const exportDone: Msg = {
  version: '1.0',
  type: 'Export',
  Content: { projectId: P, iterationId: I, exportStatus: 'ExportCompleted', modelUri: MODEL_URI },
};
const exportFailed: Msg = {
  version: '1.0',
  type: 'Export',
  Content: { projectId: P, iterationId: I, exportStatus: 'ExportFailed' },
};

const expected: Record<string, CustomVisionNotification> = {
  connectionTest: { type: 'ConnectionTest', version: '1.0', projectId: P },
  trainingDone: { type: 'Training', version: '1.0', projectId: P, iterationId: I, trainingStatus: 'TrainingCompleted' },
  trainingFailed: { type: 'Training', version: '1.0', projectId: P, iterationId: I, trainingStatus: 'TrainingFailed' },
  exportDone: {
    type: 'Export',
    version: '1.0',
    projectId: P,
    iterationId: I,
    exportStatus: 'ExportCompleted',
    modelUri: MODEL_URI,
  },
  exportFailed: { type: 'Export', version: '1.0', projectId: P, iterationId: I, exportStatus: 'ExportFailed' },
};
const messages: Record<string, Msg> = { connectionTest, trainingDone, trainingFailed, exportDone, exportFailed };

/** Lower-cases every key at every level. */
function lowerKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}
/** PascalCases every key at every level. */
function upperKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k[0]!.toUpperCase() + k.slice(1), upperKeys(x)]));
}

const encoders: Record<PayloadEncoding, (m: unknown) => unknown> = {
  object: (m) => m,
  json: (m) => JSON.stringify(m),
  base64: (m) => Buffer.from(JSON.stringify(m), 'utf8').toString('base64'),
};
const casings: Record<string, (m: unknown) => unknown> = { documented: (m) => m, lower: lowerKeys, pascal: upperKeys };

const matrix = Object.keys(messages).flatMap((name) =>
  (Object.keys(encoders) as PayloadEncoding[]).flatMap((encoding) =>
    Object.keys(casings).map((casing) => [name, encoding, casing] as const),
  ),
);

describe('parseNotification: every type × encoding × key casing', () => {
  it.each(matrix)('%s as %s with %s keys', (name, encoding, casing) => {
    // Prepare
    const payload = encoders[encoding](casings[casing]!(messages[name]));
    // Act
    const result = parseNotification(payload, { modelUriPolicy: policy });
    // Assess
    expect(result).toMatchObject({ ok: true, encoding, notification: expected[name] });
  });
});

describe('parseNotification: envelope tolerance', () => {
  it.each([
    ['a UTF-8 BOM and whitespace around JSON', `\uFEFF  \n${JSON.stringify(trainingDone)}\n `, 'json'],
    ['whitespace around base64', `  ${Buffer.from(JSON.stringify(trainingDone)).toString('base64')}\n`, 'base64'],
    ['base64 of BOM-prefixed JSON', Buffer.from(`\uFEFF${JSON.stringify(trainingDone)}`).toString('base64'), 'base64'],
    ['a Buffer of JSON', Buffer.from(JSON.stringify(trainingDone)), 'json'],
  ])('accepts %s', (_label, payload, encoding) => {
    const result = parseNotification(payload);
    expect(result).toMatchObject({ ok: true, encoding, notification: expected.trainingDone });
  });

  it('normalizes ids to lower case and statuses/types to canonical spelling', () => {
    const result = parseNotification({
      version: '1.0',
      type: 'training',
      content: { projectid: P.toUpperCase(), ITERATIONID: I.toUpperCase(), trainingstatus: 'trainingcompleted' },
    });
    expect(result).toEqual({ ok: true, encoding: 'object', notification: expected.trainingDone });
  });

  it('accepts version as a number and any 1.x, ignores unknown extra keys', () => {
    expect(parseNotification({ ...connectionTest, version: 1 })).toMatchObject({
      ok: true,
      notification: { version: '1.0' },
    });
    expect(parseNotification({ ...connectionTest, version: '1.1', extra: { x: 1 } })).toMatchObject({
      ok: true,
      notification: { version: '1.1' },
    });
  });

  it('strips the query (SAS) of an accepted modelUri', () => {
    const withSas = {
      ...exportDone,
      Content: { ...(exportDone.Content as Msg), modelUri: `${MODEL_URI}?sv=2020-08-04&sig=SECRETSIG` },
    };
    const withPolicy = parseNotification(withSas, { modelUriPolicy: policy });
    const without = parseNotification(withSas);
    expect(withPolicy).toMatchObject({
      ok: true,
      notification: { modelUri: MODEL_URI, modelLocation: { blobName: `${P} - ${I}.ONNX` } },
    });
    expect(without).toMatchObject({ ok: true, notification: { modelUri: MODEL_URI } });
    expect(JSON.stringify([withPolicy, without])).not.toContain('SECRETSIG');
  });

  it('drops the modelUri of a failed export and treats an empty/null modelUri as absent', () => {
    const failedWithForeign = {
      ...exportFailed,
      Content: { ...(exportFailed.Content as Msg), modelUri: 'https://evil.example/x?sig=s' },
    };
    expect(parseNotification(failedWithForeign, { modelUriPolicy: policy })).toEqual({
      ok: true,
      encoding: 'object',
      notification: expected.exportFailed,
    });
    for (const modelUri of ['', null]) {
      const r = parseNotification(
        { ...exportDone, Content: { ...(exportDone.Content as Msg), modelUri } },
        { modelUriPolicy: policy },
      );
      expect(r).toMatchObject({ ok: true, notification: { exportStatus: 'ExportCompleted' } });
      expect(r.ok && r.notification.type === 'Export' ? r.notification.modelUri : 'not an export').toBeUndefined();
    }
  });
});

function withContent(base: Msg, patch: Msg): Msg {
  return { ...base, Content: { ...(base.Content as Msg), ...patch } };
}
function without(obj: Msg, key: string): Msg {
  const { [key]: _drop, ...rest } = obj;
  return rest;
}

describe('parseNotification: rejections name the field and never throw', () => {
  const cases: [string, unknown, RejectionCode, string | undefined][] = [
    ['not JSON', '{"version":"1.0",', 'malformedJson', undefined],
    ['plain text', 'hello world', 'malformedJson', undefined],
    ['base64 of not-JSON', Buffer.from('hello world').toString('base64'), 'malformedJson', undefined],
    ['base64 of broken JSON', Buffer.from('{"version":').toString('base64'), 'malformedJson', undefined],
    ['non-canonical base64', 'eyJ9', 'malformedJson', undefined],
    ['empty string', '   ', 'malformedJson', undefined],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'malformedJson', undefined],
    ['a JSON array', '[1,2]', 'notAnObject', undefined],
    ['a JSON string', '"x"', 'notAnObject', undefined],
    ['null', null, 'notAnObject', undefined],
    ['a number', 42, 'notAnObject', undefined],
    ['too large text', `{"pad":"${'x'.repeat(MAX_NOTIFICATION_BYTES)}"}`, 'tooLarge', undefined],
    ['too large object', { ...connectionTest, pad: 'x'.repeat(MAX_NOTIFICATION_BYTES) }, 'tooLarge', undefined],
    ['missing version', without(connectionTest, 'version'), 'missingField', 'version'],
    ['version 2.0', { ...connectionTest, version: '2.0' }, 'unsupportedVersion', 'version'],
    ['version not a number', { ...connectionTest, version: 'one' }, 'invalidField', 'version'],
    ['version an object', { ...connectionTest, version: {} }, 'invalidField', 'version'],
    ['missing type', without(connectionTest, 'type'), 'missingField', 'type'],
    ['unknown type', { ...connectionTest, type: 'Deployment' }, 'unknownType', 'type'],
    ['type not a string', { ...connectionTest, type: 7 }, 'invalidField', 'type'],
    ['missing Content', without(connectionTest, 'Content'), 'missingField', 'Content'],
    ['Content a string', { ...connectionTest, Content: 'x' }, 'invalidField', 'Content'],
    ['Content an array', { ...connectionTest, Content: [] }, 'invalidField', 'Content'],
    [
      'Content twice with different casing',
      { ...connectionTest, content: { projectId: P } },
      'ambiguousField',
      'Content',
    ],
    [
      'projectId twice with different casing',
      withContent(connectionTest, { ProjectId: P }),
      'ambiguousField',
      'Content.projectId',
    ],
    ['missing projectId', { ...connectionTest, Content: {} }, 'missingField', 'Content.projectId'],
    ['empty projectId', withContent(connectionTest, { projectId: '' }), 'missingField', 'Content.projectId'],
    [
      'projectId not a GUID',
      withContent(connectionTest, { projectId: 'project-1' }),
      'invalidField',
      'Content.projectId',
    ],
    ['projectId in braces', withContent(connectionTest, { projectId: `{${P}}` }), 'invalidField', 'Content.projectId'],
    ['projectId a number', withContent(connectionTest, { projectId: 1 }), 'invalidField', 'Content.projectId'],
    [
      'missing iterationId',
      { ...trainingDone, Content: without(trainingDone.Content as Msg, 'iterationId') },
      'missingField',
      'Content.iterationId',
    ],
    [
      'iterationId not a GUID',
      withContent(exportDone, { iterationId: 'latest' }),
      'invalidField',
      'Content.iterationId',
    ],
    [
      'missing trainingStatus',
      { ...trainingDone, Content: without(trainingDone.Content as Msg, 'trainingStatus') },
      'missingField',
      'Content.trainingStatus',
    ],
    [
      'unknown trainingStatus',
      withContent(trainingDone, { trainingStatus: 'TrainingStarted' }),
      'unknownStatus',
      'Content.trainingStatus',
    ],
    [
      'missing exportStatus',
      { ...exportDone, Content: without(exportDone.Content as Msg, 'exportStatus') },
      'missingField',
      'Content.exportStatus',
    ],
    [
      'unknown exportStatus',
      withContent(exportDone, { exportStatus: 'Exporting' }),
      'unknownStatus',
      'Content.exportStatus',
    ],
    ['modelUri not a string', withContent(exportDone, { modelUri: 5 }), 'invalidField', 'Content.modelUri'],
    [
      'modelUri on a foreign host',
      withContent(exportDone, { modelUri: 'https://irisprod.blob.core.windows.net/x/m.ONNX?sig=abc' }),
      'foreignModelUri',
      'Content.modelUri',
    ],
    [
      'modelUri in the replica account',
      withContent(exportDone, { modelUri: 'https://drreplica.blob.core.windows.net/cv-replica/m.ONNX' }),
      'foreignModelUri',
      'Content.modelUri',
    ],
  ];

  it.each(cases)('%s → %s', (_label, payload, code, field) => {
    // Act
    const result = parseNotification(payload, { modelUriPolicy: policy });
    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe(code);
    expect(result.reason.field).toBe(field);
    if (field !== undefined) expect(result.reason.message).toContain(field);
    expect(result.reason.message).not.toMatch(/sig=abc/);
  });

  it('modelUri without a policy must still be http(s), and http only on loopback', () => {
    expect(parseNotification(withContent(exportDone, { modelUri: 'ftp://x/y' }))).toMatchObject({
      ok: false,
      reason: { code: 'invalidField', field: 'Content.modelUri' },
    });
    expect(parseNotification(withContent(exportDone, { modelUri: 'http://storage.example/c/b' }))).toMatchObject({
      ok: false,
      reason: { code: 'foreignModelUri' },
    });
  });

  it('never throws, whatever it is given', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const odd: unknown[] = [
      undefined,
      true,
      Symbol('s'),
      () => 1,
      new Date(0),
      cyclic,
      Object.create(null),
      10n,
      new Map(),
    ];
    for (const payload of odd) expect(() => parseNotification(payload)).not.toThrow();
    expect(parseNotification(cyclic)).toMatchObject({ ok: false, reason: { code: 'notAnObject' } });
  });

  it('reports the encoding it detected even when validation fails', () => {
    const b64 = Buffer.from(JSON.stringify({ ...connectionTest, type: 'Nope' })).toString('base64');
    expect(parseNotification(b64)).toMatchObject({ ok: false, encoding: 'base64', reason: { code: 'unknownType' } });
  });
});

describe('sanitizeRawMessage', () => {
  const SIG = 'sp%3Dr%26sig%3DAbCdSeCrEt';
  const sasUrl =
    'https://irisprod.blob.core.windows.net/exports/p%20-%20i.ONNX?sv=2020-08-04&se=2099-01-01&sr=b&sp=r&sig=SuPeRsEcReT%2Bx%3D';
  const msg = JSON.stringify({
    version: '1.0',
    type: 'Export',
    Content: { projectId: P, iterationId: I, exportStatus: 'ExportCompleted', modelUri: sasUrl },
  });

  it.each([
    ['raw JSON', msg, 'json'],
    ['base64 JSON (the SAS hides inside)', Buffer.from(msg).toString('base64'), 'base64'],
    ['an object', JSON.parse(msg) as unknown, 'object'],
    ['a JSON-escaped URL', msg.replace(/\//g, '\\/'), 'json'],
  ])('removes the SAS from %s', (_label, payload, encoding) => {
    // Act
    const out = sanitizeRawMessage(payload);
    // Assess
    expect(out.encoding).toBe(encoding);
    expect(out.redacted).toBe(true);
    expect(out.text).not.toContain('SuPeRsEcReT');
    expect(out.text).not.toContain('sv=2020');
    expect(out.text).toContain('irisprod.blob.core.windows.net');
    expect(out.text).toContain(P);
  });

  it('redacts sig= anywhere, encoded sig, account keys, and bare queries', () => {
    const text = `broken {"modelUri": "irisprod.blob.core.windows.net/x?sv=1&sig=BARESECRET" ${SIG} AccountKey=KEYSECRET==;`;
    const out = sanitizeRawMessage(text);
    expect(out.text).not.toMatch(/BARESECRET|AbCdSeCrEt|KEYSECRET/);
    expect(out.encoding).toBe('text');
  });

  it('truncates long input after redaction and keeps short clean input intact', () => {
    const long = `${sasUrl} ${'y'.repeat(50_000)}`;
    const out = sanitizeRawMessage(long, { maxLength: 1000 });
    expect(out.truncated).toBe(true);
    expect(out.text.length).toBeLessThan(1100);
    expect(out.text).not.toContain('SuPeRsEcReT');
    expect(out.originalLength).toBe(long.length);
    expect(sanitizeRawMessage('{"a":1}')).toEqual({
      text: '{"a":1}',
      encoding: 'json',
      redacted: false,
      truncated: false,
      originalLength: 7,
    });
  });

  it('does not keep non-UTF-8 bytes and handles null', () => {
    expect(sanitizeRawMessage(Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({
      encoding: 'binary',
      text: '[binary payload of 3 bytes omitted]',
    });
    expect(sanitizeRawMessage(null)).toMatchObject({ encoding: 'none', text: '' });
  });
});

describe('queue-function helpers', () => {
  it('notificationKey is the same for duplicates, in any encoding or casing', () => {
    const keys = new Set(
      (Object.keys(encoders) as PayloadEncoding[]).flatMap((enc) =>
        Object.values(casings).map((c) => {
          const r = parseNotification(encoders[enc](c(exportDone)), { modelUriPolicy: policy });
          return r.ok ? notificationKey(r.notification) : 'rejected';
        }),
      ),
    );
    expect([...keys]).toEqual([`Export/${P}/${I}/ExportCompleted/${P} - ${I}.ONNX`]);
    expect(notificationKey(expected.trainingFailed!)).toBe(`Training/${P}/${I}/TrainingFailed`);
    expect(notificationKey(expected.connectionTest!)).toBe(`ConnectionTest/${P}`);
  });

  it('rejectedMessageRecord keeps the reason and a copy without the SAS', () => {
    const payload = JSON.stringify(
      withContent(exportDone, { modelUri: 'https://irisprod.blob.core.windows.net/x/m.ONNX?sv=1&sig=TOPSECRET' }),
    );
    const r = parseNotification(payload, { modelUriPolicy: policy });
    if (r.ok) throw new Error('expected a rejection');
    const record = rejectedMessageRecord(payload, r.reason);
    expect(record.reason.code).toBe('foreignModelUri');
    expect(JSON.stringify(record)).not.toContain('TOPSECRET');
    expect(record.raw.text).toContain('irisprod.blob.core.windows.net/x/m.ONNX');
  });
});
