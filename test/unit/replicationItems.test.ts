import { fallbackTargetId } from '../../src/activities/copyFamily';
import { DOCUMENT_MODEL_ID_PATTERN } from '../../src/formRecognizer';
import { classifierItemId, copyPhaseOf, copyPhases, parseItemId } from '../../src/replication/items';

describe('replication items', () => {
  it('names classifiers apart from models (":" never occurs in a model id)', () => {
    expect(classifierItemId('finance-classifier')).toBe('classifier:finance-classifier');
    expect(parseItemId('classifier:finance-classifier')).toEqual({ kind: 'classifier', id: 'finance-classifier' });
    expect(parseItemId('invoices-2025')).toEqual({ kind: 'model', id: 'invoices-2025' });
    expect(parseItemId('0b0e6a3c-4f3c-4c57-9d8e-1a2b3c4d5e01')).toEqual({
      kind: 'model',
      id: '0b0e6a3c-4f3c-4c57-9d8e-1a2b3c4d5e01',
    });
  });

  it.each([
    [{ modelId: 'classifier:c' }, 0],
    [{ modelId: 'plain' }, 1],
    [{ modelId: 'plain', dependsOn: [] }, 1],
    [{ modelId: 'composed', dependsOn: ['classifier:c', 'plain'] }, 2],
  ])('phase of %j is %d', (item, phase) => {
    expect(copyPhaseOf(item)).toBe(phase);
  });

  it('orders pairs classifiers → plain models → composed models, keeping each phase in order and dropping empty ones', () => {
    const items = [
      { modelId: 'composed', status: 'ready' as const, dependsOn: ['classifier:c', 'a'] },
      { modelId: 'a', status: 'ready' as const },
      { modelId: 'classifier:c', status: 'ready' as const },
      { modelId: 'b', status: 'ready' as const },
    ];
    const pairs = ['eastus', 'westeurope'].flatMap((region) =>
      items.map((m) => ({ sourceModelId: m.modelId, region })),
    );

    const phases = copyPhases(pairs, items);

    expect(phases.map((p) => p.map((x) => `${x.region}/${x.sourceModelId}`))).toEqual([
      ['eastus/classifier:c', 'westeurope/classifier:c'],
      ['eastus/a', 'eastus/b', 'westeurope/a', 'westeurope/b'],
      ['eastus/composed', 'westeurope/composed'],
    ]);
    expect(
      copyPhases(
        pairs.filter((p) => p.sourceModelId === 'a'),
        items,
      ),
    ).toHaveLength(1); // v2: one phase
    expect(copyPhases([], items)).toEqual([]);
  });

  it('fallback ids stay within the id pattern, even for a 64-character source id', () => {
    const now = Date.parse('2026-11-21T00:00:00Z');
    for (const id of ['invoices-2025', 'a'.repeat(64), 'x.y~z_w']) {
      const fallback = fallbackTargetId(id, now);
      expect(fallback).toMatch(DOCUMENT_MODEL_ID_PATTERN);
      expect(fallback.length).toBeLessThanOrEqual(64);
      expect(fallback).not.toBe(id);
      expect(fallbackTargetId(id, now + 1)).not.toBe(fallback);
    }
  });
});
