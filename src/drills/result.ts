/**
 * What a drill keeps of an analyze result: the docType, per field its type, its normalized
 * value's SHA-256 (or the value itself when `DR_DRILL_RECORD_VALUES=true`) and its
 * confidence, and the page count — never the document's text, bounding boxes or spans.
 *
 * Result shapes (public REST specifications, Azure/azure-rest-api-specs):
 * - v2.1 `GET …/custom/models/{id}/analyzeResults/{resultId}`:
 *   `{status, analyzeResult: {readResults: [page…], documentResults: [{docType, fields: {name: FieldValue|null}}]}}`,
 *   FieldValue `{type, valueString|valueNumber|valueInteger|valueDate|…, text, confidence}`;
 * - 2023-07-31 / 2024-11-30 `GET …/documentModels/{id}/analyzeResults/{resultId}`:
 *   `{status, analyzeResult: {pages: [page…], documents: [{docType, fields: {name: DocumentField}, confidence}]}}`,
 *   DocumentField `{type, valueString|valueNumber|valueCurrency|…, content, confidence}`.
 */
import { createHash } from 'node:crypto';

export interface DrillField {
  /** The service's field type (`string`, `number`, `date`, `currency`, …). */
  type: string;
  /** SHA-256 (hex) of the normalized value; `''`-hash for a field without a value. */
  valueHash: string;
  /** The normalized value: only with `DR_DRILL_RECORD_VALUES=true`. */
  value?: string;
  confidence?: number;
}

export interface DrillResult {
  /** The first document's docType (`''` when the model returned no document). */
  docType: string;
  fields: Record<string, DrillField>;
  /** Pages the service analyzed (what it bills). */
  pages: number;
}

/** Bounds on what is kept: an answer beyond them is refused as unexpected, not truncated silently. */
export const RESULT_LIMITS = { maxFields: 500, maxNameLength: 200, maxDocTypeLength: 300, maxValueLength: 2000 };

export class DrillResultError extends Error {
  override readonly name = 'DrillResultError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whitespace collapsed, Unicode NFKC; a number-like text in a canonical decimal form. */
export function normalizeText(text: string): string {
  const t = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const n = numberOf(t);
  return n === undefined ? t : canonicalNumber(n);
}

/** `1,234.50`, `1 234,5`, `$ 12.00`, `-3` → a number; undefined when the text is not one number. */
function numberOf(t: string): number | undefined {
  const stripped = t.replace(/^[$€£¥]\s?/, '').replace(/\s?[$€£¥%]$/, '');
  if (!/^[-+]?[\d.,' \u00a0]+$/.test(stripped) || !/\d/.test(stripped)) return undefined;
  let s = stripped.replace(/[' \u00a0]/g, '');
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma > lastDot) {
    // `1.234,5` or `1234,50`: the comma is the decimal separator when 1–2 digits follow it
    const decimals = s.length - lastComma - 1;
    s = decimals === 3 && lastDot < 0 ? s.replace(/,/g, '') : s.replace(/\./g, '').replace(',', '.');
  } else s = s.replace(/,/g, '');
  if (!/^[-+]?\d*\.?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function canonicalNumber(n: number): string {
  return String(Number(n.toPrecision(15)));
}

/** The normalized value of a field (v2.1 FieldValue or v3.1/v4 DocumentField); `''` when it has none. */
export function normalizedValue(field: Record<string, unknown>, depth = 0): string {
  if (depth > 8) return '';
  const type = typeof field.type === 'string' ? field.type : '';
  const typed = field[`value${type.charAt(0).toUpperCase()}${type.slice(1)}`];
  if (typeof typed === 'number') return canonicalNumber(typed);
  if (typeof typed === 'string') return normalizeText(typed);
  if (typeof typed === 'boolean') return String(typed);
  if (Array.isArray(typed))
    return `[${typed.map((v) => (isRecord(v) ? normalizedValue(v, depth + 1) : '')).join('|')}]`;
  if (isRecord(typed)) {
    if (type === 'currency' && typeof typed.amount === 'number')
      return `${canonicalNumber(typed.amount)} ${typeof typed.currencyCode === 'string' ? typed.currencyCode : ''}`.trim();
    if (type === 'object')
      return `{${Object.keys(typed)
        .sort()
        .map((k) => `${k}=${isRecord(typed[k]) ? normalizedValue(typed[k], depth + 1) : ''}`)
        .join('|')}}`;
    return normalizeText(JSON.stringify(typed));
  }
  const text = field.content ?? field.text;
  return typeof text === 'string' ? normalizeText(text) : '';
}

export function hashValue(normalized: string): string {
  return createHash('sha256').update(normalized, 'utf8').digest('hex');
}

function reduceFields(raw: unknown, recordValues: boolean): Record<string, DrillField> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new DrillResultError('fields is not an object');
  const names = Object.keys(raw);
  if (names.length > RESULT_LIMITS.maxFields)
    throw new DrillResultError(
      `the result has ${names.length} fields (at most ${RESULT_LIMITS.maxFields} are compared)`,
    );
  const out: Record<string, DrillField> = {};
  for (const name of names) {
    if (name.length > RESULT_LIMITS.maxNameLength)
      throw new DrillResultError(`a field name is ${name.length} characters long`);
    const f = raw[name];
    if (f === null) {
      out[name] = { type: 'null', valueHash: hashValue('') }; // v2.1: a labelled field not found
      continue;
    }
    if (!isRecord(f)) throw new DrillResultError(`field ${JSON.stringify(name)} is not an object`);
    const type = typeof f.type === 'string' ? f.type.slice(0, 40) : 'unknown';
    const value = normalizedValue(f).slice(0, RESULT_LIMITS.maxValueLength);
    const field: DrillField = { type, valueHash: hashValue(value) };
    if (recordValues) field.value = value;
    if (typeof f.confidence === 'number' && Number.isFinite(f.confidence)) field.confidence = f.confidence;
    out[name] = field;
  }
  return out;
}

function docTypeOf(d: Record<string, unknown>): string {
  const t = typeof d.docType === 'string' ? d.docType : '';
  if (t.length > RESULT_LIMITS.maxDocTypeLength) throw new DrillResultError('docType is too long');
  return t;
}

/** Reduces a succeeded analyze result body (`analyzeResult`) of either API family. Throws DrillResultError on a wrong shape. */
export function reduceAnalyzeResult(
  family: 'v2' | 'documentModels',
  analyzeResult: unknown,
  recordValues: boolean,
): DrillResult {
  if (!isRecord(analyzeResult)) throw new DrillResultError('analyzeResult is missing');
  if (family === 'v2') {
    const pages = Array.isArray(analyzeResult.readResults) ? analyzeResult.readResults.length : 0;
    const docs = analyzeResult.documentResults;
    if (docs !== undefined && !Array.isArray(docs)) throw new DrillResultError('documentResults is not an array');
    const first = (docs ?? [])[0] as unknown;
    if (first === undefined) return { docType: '', fields: {}, pages };
    if (!isRecord(first)) throw new DrillResultError('documentResults[0] is not an object');
    return { docType: docTypeOf(first), fields: reduceFields(first.fields, recordValues), pages };
  }
  const pages = Array.isArray(analyzeResult.pages) ? analyzeResult.pages.length : 0;
  const docs = analyzeResult.documents;
  if (docs !== undefined && !Array.isArray(docs)) throw new DrillResultError('documents is not an array');
  const first = (docs ?? [])[0] as unknown;
  if (first === undefined) return { docType: '', fields: {}, pages };
  if (!isRecord(first)) throw new DrillResultError('documents[0] is not an object');
  return { docType: docTypeOf(first), fields: reduceFields(first.fields, recordValues), pages };
}
