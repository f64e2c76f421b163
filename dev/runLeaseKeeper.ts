/**
 * The local host's side of the run lease (src/ledger/runLease.ts). The local host keeps its
 * durable instances in this process's memory, so a run it starts dies with the process and no
 * other process can read its status. While such a run lives, this keeper renews the lease
 * (`renewedAt`) every `RUN_LEASE_TIMING.renewalIntervalMs`; when the run ends, or the host
 * closes with the run unfinished, it gives the lease up. Another process on the same storage
 * then sees a live run as held, and a finished or abandoned one as free — at once, or after
 * `renewalTimeoutMs` when this process was killed.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DurableStoreIdentity, RunLeaseRepository } from '../src/ledger/runLease';
import { RUN_LEASE_TIMING } from '../src/ledger/runLease';
import type { HostEvent } from './host';

/** A process store's identity: this machine, this process, this host (several hosts may share one process in tests). */
export function processDurableStore(): DurableStoreIdentity {
  return {
    id: `process:${hostname().slice(0, 63)}/${process.pid}/${randomBytes(4).toString('hex')}`,
    processLocal: true,
  };
}

interface EventSource {
  on(type: string, listener: (e: HostEvent) => void): void;
  off(type: string, listener: (e: HostEvent) => void): void;
}

const ENDED = ['instanceCompleted', 'instanceFailed', 'instanceTerminated'] as const;

export interface RunLeaseKeeper {
  /** Stops renewing and gives up every lease this process's runs still hold (their store is going away). */
  close(): Promise<void>;
}

/**
 * Keeps the run lease of every `orchestrator` run started in this host: renews it while the run
 * lives, releases it when the run ends. `lease()` is the current ledger's lease repository.
 */
export function keepRunLeases(
  events: EventSource,
  orchestrator: string,
  lease: () => Promise<RunLeaseRepository>,
  intervalMs: number = RUN_LEASE_TIMING.renewalIntervalMs,
): RunLeaseKeeper {
  const kept = new Map<string, { timer: NodeJS.Timeout; repository: Promise<RunLeaseRepository> }>();
  const settle = (p: Promise<unknown>): void => void p.catch(() => undefined);

  const onStarted = (e: HostEvent): void => {
    if (e.type !== 'instanceStarted' || e.name !== orchestrator || e.parentInstanceId || kept.has(e.instanceId)) return;
    const id = e.instanceId;
    const repository = lease();
    settle(repository);
    const timer = setInterval(() => {
      settle(
        repository
          .then((r) => r.renew(id))
          .then((held) => {
            if (!held) void stop(id);
          }),
      );
    }, intervalMs);
    timer.unref();
    kept.set(id, { timer, repository });
  };
  const stop = (id: string): Promise<RunLeaseRepository> | undefined => {
    const k = kept.get(id);
    if (!k) return undefined;
    clearInterval(k.timer);
    kept.delete(id);
    return k.repository;
  };
  const release = async (id: string): Promise<void> => {
    const repository = stop(id);
    if (repository) await (await repository).release(id);
  };
  const onEnded = (e: HostEvent): void => {
    if (e.type === 'instanceCompleted' || e.type === 'instanceFailed' || e.type === 'instanceTerminated')
      settle(release(e.instanceId));
  };

  events.on('instanceStarted', onStarted);
  for (const type of ENDED) events.on(type, onEnded);
  return {
    async close() {
      events.off('instanceStarted', onStarted);
      for (const type of ENDED) events.off(type, onEnded);
      await Promise.all([...kept.keys()].map((id) => release(id).catch(() => undefined)));
    },
  };
}
