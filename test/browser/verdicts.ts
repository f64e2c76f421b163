/**
 * Reading a pair's verdict (state, health, last drill) back from every reader of the read model —
 * the report's rows and health, the dashboard's data, the `npm run local` table — so tests can
 * check that they agree (test/browser/readModel*.test.ts).
 */
export interface Verdict {
  status: string;
  health: string;
  drill: string;
  /** The region is the lineage's origin (it holds the original): present only then. */
  origin?: true;
}
export type Verdicts = Record<string, Verdict>;
export const at = (model: string, region: string): string => `${model} @ ${region}`;

export interface Cell {
  status: string;
  health?: string;
  lastDrill?: { outcome: string };
  origin?: true;
  reason?: string;
}
export interface Row {
  sourceModelId: string;
  sourceModelName?: string;
  cells: Record<string, Cell>;
}
export interface Report {
  regions: string[];
  rows: Row[];
  notCopyable: Array<{ modelId: string; modelName?: string; status: string; reason?: string }>;
  health: {
    health: string;
    regions: Array<{ region: string; health: string; pairs: number }>;
    pairs: Array<{ sourceModelId: string; region: string; health: string }>;
  };
}

/** The verdicts of a matrix; the health from `pairs` (the report's `health.pairs`) when given, else each cell's. */
export function verdictsOfRows(
  regions: readonly string[],
  rows: readonly Row[],
  pairs?: Report['health']['pairs'],
): Verdicts {
  const out: Verdicts = {};
  const health = new Map((pairs ?? []).map((p) => [at(p.sourceModelId, p.region), p.health]));
  for (const row of rows)
    for (const region of regions) {
      const c = row.cells[region];
      out[at(row.sourceModelId, region)] = {
        status: c.status,
        health: (pairs ? health.get(at(row.sourceModelId, region)) : c.health) ?? 'none',
        drill: c.lastDrill?.outcome ?? 'none',
        ...(c.origin ? { origin: true as const } : {}),
      };
    }
  return out;
}

/** The `npm run local` table, read back: columns are separated by two spaces or more. */
export function verdictsOfTable(regions: readonly string[], table: string, rows: readonly Row[]): Verdicts {
  const lines = table.split('\n');
  const out: Verdicts = {};
  for (const row of rows) {
    const label = row.sourceModelName ? `${row.sourceModelName} (${row.sourceModelId.slice(0, 8)})` : row.sourceModelId;
    const line = lines.find((l) => l.startsWith(`${label}  `) || l === label);
    if (!line) throw new Error(`no table line for ${label}:\n${table}`);
    const cols = line
      .slice(label.length)
      .trim()
      .split(/\s{2,}/);
    regions.forEach((region, i) => {
      const text = cols[i] ?? '';
      const status = /^ok\b/.test(text)
        ? 'replicated'
        : /^FAILED/.test(text)
          ? 'failed'
          : /^UNVERIFIED/.test(text)
            ? 'unverified'
            : /^in progress/.test(text)
              ? 'inProgress'
              : /^MISSING/.test(text)
                ? 'missing'
                : `? ${text}`;
      const health = /\[(degraded|unhealthy)\]$/.exec(text)?.[1] ?? 'healthy';
      const drill = /drill (passed|MISMATCH|failed)/.exec(text)?.[1]?.toLowerCase() ?? 'none';
      out[at(row.sourceModelId, region)] = {
        status,
        health,
        drill,
        ...(/\(origin\)/.test(text) ? { origin: true as const } : {}),
      };
    });
  }
  return out;
}

/** Per region: how many pairs have each health, how many are unverified, failed, drill mismatches. */
export function regionCounts(v: Verdicts, region: string): Record<string, number> {
  const mine = Object.entries(v)
    .filter(([k]) => k.endsWith(` @ ${region}`))
    .map(([, x]) => x);
  const n = (f: (x: Verdict) => boolean): number => mine.filter(f).length;
  return {
    pairs: mine.length,
    healthy: n((x) => x.health === 'healthy'),
    degraded: n((x) => x.health === 'degraded'),
    unhealthy: n((x) => x.health === 'unhealthy'),
    unverified: n((x) => x.status === 'unverified'),
    failed: n((x) => x.status === 'failed'),
    drillMismatch: n((x) => x.drill === 'mismatch'),
  };
}
