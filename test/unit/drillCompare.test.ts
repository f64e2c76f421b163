import { compareResults, differingFields } from '../../src/drills/compare';
import { normalizeText, reduceAnalyzeResult, DrillResultError, type DrillResult } from '../../src/drills/result';

const OPTS = { confidenceTolerance: 0.05, sourceModelId: 'invoices', targetModelId: 'invoices-dr' };

function v4(fields: Record<string, unknown>, docType = 'invoices'): unknown {
  return { pages: [{ pageNumber: 1 }, { pageNumber: 2 }], documents: [{ docType, fields, confidence: 0.9 }] };
}

describe('drill results: reduction and normalization', () => {
  it('keeps type, value hash and confidence, never the text; pages are counted', () => {
    const r = reduceAnalyzeResult(
      'documentModels',
      v4({ Total: { type: 'number', valueNumber: 1234.5, content: '1,234.50', confidence: 0.97 } }),
      false,
    );
    expect(r.pages).toBe(2);
    expect(r.docType).toBe('invoices');
    expect(r.fields.Total).toEqual({
      type: 'number',
      valueHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      confidence: 0.97,
    });
    expect(JSON.stringify(r)).not.toContain('1,234.50');
    expect(JSON.stringify(r)).not.toContain('1234.5');
  });

  it('normalizes whitespace and number formats, so equal values hash equally', () => {
    expect(normalizeText('  Contoso\n  Ltd ')).toBe('Contoso Ltd');
    expect(normalizeText('1,234.50')).toBe('1234.5');
    expect(normalizeText('1.234,50')).toBe('1234.5');
    expect(normalizeText('$ 12.00')).toBe('12');
    const a = reduceAnalyzeResult(
      'v2',
      {
        readResults: [{}],
        documentResults: [
          {
            docType: 'custom:invoices',
            fields: { Name: { type: 'string', valueString: 'Contoso  Ltd', confidence: 0.9 } },
          },
        ],
      },
      true,
    );
    const b = reduceAnalyzeResult(
      'v2',
      {
        readResults: [{}],
        documentResults: [
          {
            docType: 'custom:invoices',
            fields: { Name: { type: 'string', valueString: ' Contoso Ltd', confidence: 0.9 } },
          },
        ],
      },
      true,
    );
    expect(a.fields.Name.valueHash).toBe(b.fields.Name.valueHash);
    expect(a.fields.Name.value).toBe('Contoso Ltd');
  });

  it('refuses a result beyond its bounds or of the wrong shape', () => {
    const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`f${i}`, { type: 'string' }]));
    expect(() => reduceAnalyzeResult('documentModels', v4(many), false)).toThrow(DrillResultError);
    expect(() => reduceAnalyzeResult('documentModels', { documents: 'x' }, false)).toThrow(DrillResultError);
    expect(() => reduceAnalyzeResult('v2', null, false)).toThrow(DrillResultError);
  });
});

describe('compareResults', () => {
  const base: DrillResult = {
    docType: 'invoices',
    pages: 1,
    fields: {
      Total: { type: 'number', valueHash: 'h1', confidence: 0.9 },
      Vendor: { type: 'string', valueHash: 'h2', confidence: 0.8 },
    },
  };

  it('passes the same answer, with confidences within the tolerance and the docType renamed to the replica id', () => {
    const replica: DrillResult = {
      ...base,
      docType: 'invoices-dr',
      fields: { ...base.fields, Total: { type: 'number', valueHash: 'h1', confidence: 0.86 } },
    };
    expect(compareResults(base, replica, OPTS)).toEqual({ outcome: 'passed', differences: [] });
    expect(
      compareResults({ ...base, docType: 'custom:invoices' }, { ...base, docType: 'custom:invoices-dr' }, OPTS).outcome,
    ).toBe('passed');
  });

  it('names each differing field: value, type, confidence, missing, extra, docType', () => {
    const replica: DrillResult = {
      docType: 'receipts',
      pages: 1,
      fields: {
        Total: { type: 'string', valueHash: 'h1', confidence: 0.9 },
        Vendor: { type: 'string', valueHash: 'other', confidence: 0.7 },
        Extra: { type: 'string', valueHash: 'h3' },
      },
    };
    const c = compareResults(
      { ...base, fields: { ...base.fields, Date: { type: 'date', valueHash: 'h4' } } },
      replica,
      OPTS,
    );
    expect(c.outcome).toBe('mismatch');
    expect(c.differences).toEqual([
      { kind: 'docType', source: 'invoices', replica: 'receipts' },
      { field: 'Date', kind: 'missingInReplica' },
      { field: 'Extra', kind: 'extraInReplica' },
      { field: 'Total', kind: 'type', source: 'number', replica: 'string' },
      { field: 'Vendor', kind: 'value' },
      { field: 'Vendor', kind: 'confidence', source: 0.8, replica: 0.7 },
    ]);
    expect(differingFields(c.differences)).toEqual(['(docType)', 'Date', 'Extra', 'Total', 'Vendor']);
  });

  it('shows values in a difference only when they were recorded', () => {
    const s: DrillResult = { ...base, fields: { Vendor: { type: 'string', valueHash: 'a', value: 'Contoso' } } };
    const r: DrillResult = { ...base, fields: { Vendor: { type: 'string', valueHash: 'b', value: 'Fabrikam' } } };
    expect(compareResults(s, r, OPTS).differences).toEqual([
      { field: 'Vendor', kind: 'value', source: 'Contoso', replica: 'Fabrikam' },
    ]);
  });

  it('a confidence just outside the tolerance is a difference; exactly at it is not', () => {
    const at = { ...base, fields: { ...base.fields, Total: { type: 'number', valueHash: 'h1', confidence: 0.85 } } };
    const out = { ...base, fields: { ...base.fields, Total: { type: 'number', valueHash: 'h1', confidence: 0.849 } } };
    expect(compareResults(base, at, OPTS).outcome).toBe('passed');
    expect(compareResults(base, out, OPTS).differences).toEqual([
      { field: 'Total', kind: 'confidence', source: 0.9, replica: 0.849 },
    ]);
  });
});
