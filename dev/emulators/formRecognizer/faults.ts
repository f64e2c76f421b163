/**
 * Fault injection per resource and per call kind. Gate faults (throttle, status, drop, delay)
 * shape the HTTP exchange; copy faults (copyFails, copyDuration) shape an accepted copy's
 * operation. Each fault applies to `times` matching requests (default 1), first added first.
 */
import type { CallKind, CopyDurationFault, CopyFailsFault, Fault, FaultRequestInfo } from './types';

export type GateFault = Exclude<Fault, CopyFailsFault | CopyDurationFault>;
export type CopyFault = CopyFailsFault | CopyDurationFault;

export interface FaultHandle {
  /** Matching requests this fault will still apply to. */
  remaining(): number;
  remove(): void;
}

interface Entry {
  resource: string;
  fault: Fault;
  remaining: number;
}

const GATE_KINDS = new Set<Fault['kind']>(['throttle', 'status', 'drop', 'delay']);

function isGate(f: Fault): f is GateFault {
  return GATE_KINDS.has(f.kind);
}

export class FaultRegistry {
  private entries: Entry[] = [];

  constructor(private readonly knownResource: (name: string) => boolean) {}

  add(resourceName: string, fault: Fault): FaultHandle {
    if (!this.knownResource(resourceName)) throw new Error(`faults.add: unknown resource '${resourceName}'`);
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new RangeError(`faults.add: times must be > 0, got ${times}`);
    if (!isGate(fault) && fault.call !== undefined) {
      const calls = Array.isArray(fault.call) ? fault.call : [fault.call];
      if (calls.some((c) => c !== 'copy'))
        throw new Error(`faults.add: a '${fault.kind}' fault applies to 'copy' calls only`);
    }
    const entry: Entry = { resource: resourceName, fault, remaining: times };
    this.entries.push(entry);
    return {
      remaining: () => entry.remaining,
      remove: () => {
        this.entries = this.entries.filter((e) => e !== entry);
      },
    };
  }

  clear(resourceName?: string): void {
    this.entries = resourceName === undefined ? [] : this.entries.filter((e) => e.resource !== resourceName);
  }

  /** Consumes and returns the first gate fault matching this request. */
  takeGate(info: FaultRequestInfo): GateFault | undefined {
    return this.take(info, isGate);
  }

  /** Consumes and returns the copy faults (at most one of each kind) matching an accepted copy. */
  takeCopy(info: FaultRequestInfo): { fails?: CopyFailsFault; duration?: CopyDurationFault } {
    return {
      fails: this.take(info, (f): f is CopyFailsFault => f.kind === 'copyFails'),
      duration: this.take(info, (f): f is CopyDurationFault => f.kind === 'copyDuration'),
    };
  }

  private take<T extends Fault>(info: FaultRequestInfo, accept: (f: Fault) => f is T): T | undefined {
    for (const e of this.entries) {
      const f = e.fault;
      if (e.resource !== info.resource || e.remaining <= 0 || !accept(f)) continue;
      if (!appliesTo(f.call, info.call)) continue;
      if (f.when && !f.when(info)) continue;
      e.remaining--;
      if (e.remaining <= 0) this.entries = this.entries.filter((x) => x !== e);
      return f;
    }
    return undefined;
  }
}

function appliesTo(call: CallKind | CallKind[] | undefined, actual: CallKind): boolean {
  if (call === undefined) return true;
  return Array.isArray(call) ? call.includes(actual) : call === actual;
}
