/**
 * Issue 11, facts 2, 4, 5 and 6 (pure domain): composed-model components, the verified-copy
 * comparison that survives a docType rename, copyability of v2-era / expired models in a v4
 * listing, and nextLink without api-version.
 */
import {
  copyability,
  fieldSchemaFingerprint,
  missingComponents,
  referencedComponents,
  withApiVersion,
  type ModelInfo,
} from '../../src/formRecognizer';
import { toDocumentModelInfo } from '../../src/formRecognizer/documentModelsGuards';
import { lineageOf } from '../../src/activities/copyFamily';
import type { CopyApi } from '../../src/formRecognizer';
import {
  LINEAGE_TAG_KEYS,
  MAX_TAG_VALUE,
  expectedDocTypeKey,
  verifyCopy,
  type CopyShape,
} from '../../src/replication/lineage';

const NOW = Date.parse('2026-03-01T00:00:00Z');

describe('fact 5: copyability from the model’s own fields', () => {
  const base: ModelInfo = {
    modelId: 'm1',
    status: 'ready',
    createdDateTime: '2025-01-01T00:00:00Z',
    lastUpdatedDateTime: '2025-01-01T00:00:00Z',
  };

  it('a v2-era model (apiVersion 2.0 / 2.1) in a v4 listing is not copyable with 2024-11-30, with the reason', () => {
    for (const apiVersion of ['2.0', '2.1']) {
      const c = copyability({ ...base, apiVersion }, '2024-11-30', NOW);
      expect(c).toEqual({
        copyable: false,
        reason: 'createdWithV2',
        message: expect.stringContaining(`API version ${apiVersion}`),
      });
    }
    expect(copyability({ ...base, apiVersion: '2.1' }, '2023-07-31', NOW).copyable).toBe(false);
  });

  it('an expirationDateTime in the past → not copyable (expired); in the future → copyable', () => {
    const expired = copyability(
      { ...base, apiVersion: '2023-07-31', expirationDateTime: '2026-02-28T23:59:59Z' },
      '2024-11-30',
      NOW,
    );
    expect(expired).toMatchObject({ copyable: false, reason: 'expired' });
    expect(copyability({ ...base, expirationDateTime: '2028-01-01T00:00:00Z' }, '2024-11-30', NOW)).toEqual({
      copyable: true,
    });
    expect(copyability({ ...base, expirationDateTime: 'not a date' }, '2024-11-30', NOW)).toEqual({ copyable: true });
  });

  it('prebuilt and invalid models are not copyable; a v2 client copies a v2 model', () => {
    expect(copyability({ ...base, modelId: 'prebuilt-read', prebuilt: true }, '2024-11-30', NOW)).toMatchObject({
      reason: 'prebuilt',
    });
    expect(copyability({ ...base, status: 'invalid' }, 'v2.1', NOW)).toMatchObject({ reason: 'invalid' });
    expect(copyability({ ...base, apiVersion: '2.1' }, 'v2.1', NOW)).toEqual({ copyable: true });
  });

  it('reads the fields a real listing item carries (guard → ModelInfo)', () => {
    const info = toDocumentModelInfo({
      modelId: 'legacy',
      createdDateTime: '2021-05-25T18:04:37Z',
      expirationDateTime: '2023-05-25T18:04:37Z',
      apiVersion: '2.1',
      docTypes: { legacy: { buildMode: 'template', fieldSchema: {} } },
    });
    expect(info && copyability(info, '2024-11-30', NOW)).toMatchObject({ copyable: false, reason: 'createdWithV2' });
  });
});

describe('fact 2: a composed model’s referenced components', () => {
  const composed = toDocumentModelInfo({
    modelId: 'composed',
    createdDateTime: '2026-01-01T00:00:00Z',
    classifierId: 'router',
    docTypes: {
      invoice: { modelId: 'inv-model', fieldSchema: {} },
      receipt: { modelId: 'rec-model', fieldSchema: {} },
      again: { modelId: 'inv-model', fieldSchema: {} },
    },
  }) as ModelInfo;

  it('lists docTypes[*].modelId (distinct, in order) and the classifier', () => {
    expect(referencedComponents(composed)).toEqual([
      { kind: 'model', id: 'inv-model' },
      { kind: 'model', id: 'rec-model' },
      { kind: 'classifier', id: 'router' },
    ]);
    expect(referencedComponents({ modelId: 'plain' })).toEqual([]);
  });

  it('names the components missing in the target (not only the classifier)', () => {
    const present = new Set(['model:inv-model', 'classifier:router']);
    expect(missingComponents(composed, (c) => present.has(`${c.kind}:${c.id}`))).toEqual([
      { kind: 'model', id: 'rec-model' },
    ]);
  });
});

describe('fact 4: a verified copy survives the docType rename', () => {
  const SOURCE_RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/src';
  const schema = { fieldSchema: { total: { type: 'number' }, vendor: { type: 'string' } }, buildMode: 'neural' };
  const src = toDocumentModelInfo({
    modelId: 'invoices',
    createdDateTime: '2026-01-01T00:00:00Z',
    modifiedDateTime: '2026-01-02T00:00:00Z',
    docTypes: { invoices: schema, extra: { fieldSchema: {} } },
  }) as ModelInfo;
  const shape = (m: ModelInfo): CopyShape => ({
    id: m.modelId,
    kind: 'model',
    status: m.status,
    ...(m.tags ? { tags: m.tags } : {}),
    ...(m.docTypes ? { docTypes: m.docTypes } : {}),
    ...(m.docTypeSchemas ? { docTypeSchemas: m.docTypeSchemas } : {}),
    lastUpdatedDateTime: m.lastUpdatedDateTime,
  });
  const tags = {
    [LINEAGE_TAG_KEYS.sourceId]: 'invoices',
    [LINEAGE_TAG_KEYS.sourceResource]: SOURCE_RID,
    [LINEAGE_TAG_KEYS.sourceVersion]: '2026-01-02T00:00:00Z',
  };
  const copyAt = (id: string, docTypes: Record<string, unknown>, t: Record<string, string> = tags): ModelInfo =>
    toDocumentModelInfo({ modelId: id, createdDateTime: '2026-03-01T00:00:00Z', tags: t, docTypes }) as ModelInfo;

  it('a copy under a fallback id whose docType came back keyed by the target id is verified', () => {
    const found = copyAt('invoices-drabc', { 'invoices-drabc': schema, extra: { fieldSchema: {} } });
    expect(verifyCopy(shape(found), shape(src), SOURCE_RID)).toEqual({ verified: true });
    expect(expectedDocTypeKey('invoices', 'invoices', 'invoices-drabc')).toBe('invoices-drabc');
  });

  it('field schema order does not matter; a different schema or build mode does', () => {
    const reordered = { buildMode: 'neural', fieldSchema: { vendor: { type: 'string' }, total: { type: 'number' } } };
    expect(
      verifyCopy(shape(copyAt('x1', { x1: reordered, extra: { fieldSchema: {} } })), shape(src), SOURCE_RID).verified,
    ).toBe(true);
    const other = { buildMode: 'neural', fieldSchema: { total: { type: 'string' } } };
    expect(
      verifyCopy(shape(copyAt('x1', { x1: other, extra: { fieldSchema: {} } })), shape(src), SOURCE_RID),
    ).toMatchObject({ verified: false, why: expect.stringContaining('field schema') });
    const template = { ...schema, buildMode: 'template' };
    expect(
      verifyCopy(shape(copyAt('x1', { x1: template, extra: { fieldSchema: {} } })), shape(src), SOURCE_RID),
    ).toMatchObject({ verified: false, why: expect.stringContaining('build mode') });
    expect(fieldSchemaFingerprint(reordered.fieldSchema)).toBe(fieldSchemaFingerprint(schema.fieldSchema));
  });

  it('other docType keys are kept: a renamed non-id key, missing lineage or another resource is not our copy', () => {
    expect(
      verifyCopy(shape(copyAt('x1', { x1: schema, renamed: { fieldSchema: {} } })), shape(src), SOURCE_RID).verified,
    ).toBe(false);
    expect(
      verifyCopy(shape(copyAt('x1', { x1: schema, extra: { fieldSchema: {} } }, {})), shape(src), SOURCE_RID).verified,
    ).toBe(false);
    expect(
      verifyCopy(
        shape(copyAt('x1', { x1: schema, extra: { fieldSchema: {} } })),
        shape(src),
        SOURCE_RID.replace('src', 'other'),
      ).verified,
    ).toBe(false);
    const older = { ...tags, [LINEAGE_TAG_KEYS.sourceVersion]: '2025-12-01T00:00:00Z' };
    expect(
      verifyCopy(shape(copyAt('x1', { x1: schema, extra: { fieldSchema: {} } }, older)), shape(src), SOURCE_RID),
    ).toMatchObject({ verified: false, why: expect.stringContaining('older version') });
  });

  it('the same id keeps the docType key (no rename expected)', () => {
    expect(
      verifyCopy(shape(copyAt('invoices', { invoices: schema, extra: { fieldSchema: {} } })), shape(src), SOURCE_RID)
        .verified,
    ).toBe(true);
  });

  it('the tag keys are the ones the activities stamp', () => {
    const ctx = {
      source: { resourceId: SOURCE_RID, region: 'westus2' } as CopyApi,
      target: {} as CopyApi,
      itemId: 'invoices',
      runId: 'run-1',
      nowMs: 0,
    };
    const source = {
      id: 'invoices',
      kind: 'model' as const,
      status: 'ready' as const,
      lastUpdatedDateTime: '2026-01-02T00:00:00Z',
    };
    const { tags } = lineageOf(ctx, { ...source, tags: { team: 'ap' } });
    expect(Object.keys(tags).sort()).toEqual(['team', ...Object.values(LINEAGE_TAG_KEYS)].sort());
    expect(tags[LINEAGE_TAG_KEYS.sourceResource]).toBe(SOURCE_RID.slice(0, MAX_TAG_VALUE));
  });
});

describe('fact 6: nextLink without api-version', () => {
  it('adds the configured api-version only when the link has none, keeping the rest verbatim', () => {
    expect(withApiVersion('https://r.example/documentintelligence/documentModels?nextLink=a%20b', '2024-11-30')).toBe(
      'https://r.example/documentintelligence/documentModels?nextLink=a%20b&api-version=2024-11-30',
    );
    expect(withApiVersion('https://r.example/documentintelligence/documentModels', '2024-11-30')).toBe(
      'https://r.example/documentintelligence/documentModels?api-version=2024-11-30',
    );
    const has = 'https://r.example/formrecognizer/documentModels?api-version=2023-07-31&nextLink=t';
    expect(withApiVersion(has, '2023-07-31')).toBe(has);
  });
});
