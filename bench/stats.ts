/**
 * Small helpers of the benchmark: a seeded random source, deterministic per-pair copy
 * durations, percentiles, process resource sampling and table formatting.
 */
import fs from 'node:fs';

/** mulberry32: a small seeded PRNG (deterministic across runs and machines). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, mixed with a seed: a stable 32-bit hash. */
export function hash32(text: string, seed: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h >>> 0;
}

/**
 * The copy duration of one (source model, target) pair: uniform in [minMs, maxMs], drawn
 * from a generator seeded by the seed and the pair — so two emulators given the same
 * function take exactly the same time for the same pair, whoever copies it and when
 * (and a retried copy of a pair takes as long as the first try).
 */
export function pairDurationMs(
  seed: number,
  minMs: number,
  maxMs: number,
): (c: { sourceModelId: string; target: string }) => number {
  return (c) => {
    const rng = seededRandom(hash32(`${c.sourceModelId}\u0000${c.target}`, seed));
    return Math.round(minMs + rng() * (maxMs - minMs));
  };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface ResourceFigures {
  wallMs: number;
  /** user + system CPU of this process, ms. */
  cpuMs: number;
  /** CPU of child processes we started (Azurite), ms, when known. */
  childCpuMs?: number;
  peakRssMb: number;
  peakHeapMb: number;
}

/** Samples wall time, CPU and peak memory of this process between start() and stop(). */
export class ResourceMeter {
  private startWall = 0;
  private startCpu: NodeJS.CpuUsage | undefined;
  private peakRss = 0;
  private peakHeap = 0;
  private timer: NodeJS.Timeout | undefined;
  private childStart = 0;

  constructor(private readonly childPids: () => number[] = () => []) {}

  start(): void {
    this.startWall = performance.now();
    this.startCpu = process.cpuUsage();
    this.peakRss = 0;
    this.peakHeap = 0;
    this.childStart = childCpuMs(this.childPids());
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }

  stop(): ResourceFigures {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    const cpu = process.cpuUsage(this.startCpu);
    const children = childCpuMs(this.childPids());
    return {
      wallMs: performance.now() - this.startWall,
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...(this.childPids().length > 0 ? { childCpuMs: children - this.childStart } : {}),
      peakRssMb: this.peakRss / 2 ** 20,
      peakHeapMb: this.peakHeap / 2 ** 20,
    };
  }
}

/** Pids of this process's children (Linux /proc; empty elsewhere). */
export function childPids(): number[] {
  try {
    const tasks = fs.readdirSync('/proc/self/task');
    const pids = new Set<number>();
    for (const t of tasks) {
      for (const p of fs.readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/))
        if (p) pids.add(Number(p));
    }
    return [...pids];
  } catch {
    return [];
  }
}

/** utime + stime of processes (Linux /proc), ms; 0 when unreadable. */
function childCpuMs(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ 100)
    } catch {
      // not Linux, or gone
    }
  }
  return total;
}

export function fmtSeconds(ms: number, digits = 1): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(digits)} s` : '—';
}

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = Math.round(s % 60);
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(rest).padStart(2, '0')} s`;
}

export function fmtRatio(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}×` : '—';
}

export function fmtPercent(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '—';
}

/** A plain text table (first column left-aligned, the others right-aligned). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same rows as a Markdown table. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
