/**
 * Comparing the source's and a replica's answer to the same sample (pure). The replica passes
 * when it names the same docType, the same set of fields, and for each field the same type,
 * the same normalized value (compared by hash unless values are recorded) and a confidence
 * within the tolerance. A docType named after the source model id matches one named after the
 * replica's id: a Document Intelligence copy renames such a docType to the target id.
 */
import type { DrillField, DrillResult } from './result';

export type DifferenceKind = 'docType' | 'missingInReplica' | 'extraInReplica' | 'type' | 'value' | 'confidence';

export interface DrillDifference {
  /** The field name (absent for `docType`). */
  field?: string;
  kind: DifferenceKind;
  /** Types, docTypes and confidences are shown; values only when recorded (`DR_DRILL_RECORD_VALUES`). */
  source?: string | number;
  replica?: string | number;
}

export interface CompareOptions {
  confidenceTolerance: number;
  sourceModelId: string;
  targetModelId: string;
}

export interface Comparison {
  outcome: 'passed' | 'mismatch';
  differences: DrillDifference[];
}

/** At most this many differences are kept (a wholly different answer would otherwise fill a record). */
export const MAX_DIFFERENCES = 50;

function sameDocType(source: string, replica: string, o: CompareOptions): boolean {
  if (source === replica) return true;
  const renamed = (t: string, from: string, to: string): string => (t === from ? to : t.replace(`:${from}`, `:${to}`));
  return renamed(source, o.sourceModelId, o.targetModelId) === replica;
}

function fieldDifferences(name: string, s: DrillField, r: DrillField, tolerance: number): DrillDifference[] {
  if (s.type !== r.type) return [{ field: name, kind: 'type', source: s.type, replica: r.type }];
  const out: DrillDifference[] = [];
  if (s.valueHash !== r.valueHash) {
    const d: DrillDifference = { field: name, kind: 'value' };
    if (s.value !== undefined) d.source = s.value;
    if (r.value !== undefined) d.replica = r.value;
    out.push(d);
  }
  const sc = s.confidence;
  const rc = r.confidence;
  if (
    (sc === undefined) !== (rc === undefined) ||
    (sc !== undefined && rc !== undefined && Math.abs(sc - rc) > tolerance + 1e-12)
  ) {
    const d: DrillDifference = { field: name, kind: 'confidence' };
    if (sc !== undefined) d.source = sc;
    if (rc !== undefined) d.replica = rc;
    out.push(d);
  }
  return out;
}

export function compareResults(source: DrillResult, replica: DrillResult, o: CompareOptions): Comparison {
  const differences: DrillDifference[] = [];
  if (!sameDocType(source.docType, replica.docType, o))
    differences.push({ kind: 'docType', source: source.docType, replica: replica.docType });
  const names = [...new Set([...Object.keys(source.fields), ...Object.keys(replica.fields)])].sort();
  for (const name of names) {
    const s = source.fields[name];
    const r = replica.fields[name];
    if (s && !r) differences.push({ field: name, kind: 'missingInReplica' });
    else if (!s && r) differences.push({ field: name, kind: 'extraInReplica' });
    else if (s && r) differences.push(...fieldDifferences(name, s, r, o.confidenceTolerance));
  }
  return {
    outcome: differences.length === 0 ? 'passed' : 'mismatch',
    differences: differences.slice(0, MAX_DIFFERENCES),
  };
}

/** The field names a comparison found different (for summaries and the report). */
export function differingFields(differences: readonly DrillDifference[]): string[] {
  return [...new Set(differences.map((d) => d.field ?? '(docType)'))];
}
