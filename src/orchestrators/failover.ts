/**
 * A failover (docs/failover.md): readiness → (planned: final sync → refusal unless forced) →
 * switch → record; test: readiness → restore drills against `to` → record; dry run: readiness →
 * record. Deterministic: every step is an activity or a sub-orchestration, times come from the
 * durable clock, the steps are the custom status. An unplanned failover calls no activity that
 * talks to the old primary.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivity, callOrchestrator, inputOf } from '../durable/call';
import { DrillOrchestrators } from '../drills/registry';
import type { FailoverOutput, FailoverRecord } from '../failover/contracts';
import { FailoverActivities, FailoverOrchestrators } from '../failover/registry';
import { Orchestrators } from '../replication/registry';

export function* failoverOrchestrator(context: OrchestrationContext): Generator<Task, FailoverOutput, unknown> {
  const input = inputOf(context, FailoverOrchestrators.failover);
  const now = (): string => context.df.currentUtcDateTime.toISOString();
  const record: FailoverRecord = {
    id: input.id,
    mode: input.mode,
    from: input.from,
    to: input.to,
    dryRun: input.dryRun,
    force: input.force,
    status: 'running',
    requestedAt: input.requestedAt,
    steps: [],
  };
  const step = (name: string, outcome: string, detail?: string): void => {
    record.steps.push({ name, at: now(), outcome, ...(detail !== undefined ? { detail } : {}) });
    context.df.setCustomStatus({ status: record.status, steps: [...record.steps] });
  };
  const finish = function* (status: FailoverRecord['status']): Generator<Task, FailoverOutput, unknown> {
    record.status = status;
    record.finishedAt = now();
    context.df.setCustomStatus({ status, steps: [...record.steps] });
    yield* callActivity(context, FailoverActivities.saveFailoverRecord, snapshot(record));
    return { status, record: snapshot(record) };
  };
  try {
    step('requested', 'ok', `${input.mode}${input.dryRun ? ' (dry run)' : ''} ${input.from} → ${input.to}`);
    yield* callActivity(context, FailoverActivities.saveFailoverRecord, snapshot(record));

    // Readiness: never the old primary in an unplanned failover.
    const readiness = yield* callActivity(context, FailoverActivities.failoverReadiness, {
      id: input.id,
      to: input.to,
      listPrimary: input.mode !== 'unplanned',
    });
    record.readiness = readiness;
    step(
      'readiness',
      readiness.withoutCopy.length === 0 ? 'ready' : 'gaps',
      `${readiness.withoutCopy.length} model(s) without a verified copy in ${input.to}; RPO ${readiness.rpoSeconds} s`,
    );
    if (input.dryRun) return yield* finish('completed');

    if (input.mode === 'test') {
      const drills = yield* callOrchestrator(
        context,
        DrillOrchestrators.run,
        { trigger: 'http', regions: [input.to] },
        `${input.id}-drills`,
      );
      const passed = drills.totals.passed;
      const failed = drills.totals.failed + drills.totals.mismatch;
      record.drills = {
        passed,
        failed,
        skipped: drills.totals.skipped,
        outcome: failed > 0 ? 'failed' : passed === 0 ? 'noSamples' : 'passed',
      };
      step('drills', record.drills.outcome, `${passed} passed, ${failed} failed against ${input.to}`);
      return yield* finish(failed > 0 ? 'failed' : 'completed');
    }

    let withoutCopy = readiness.withoutCopy;
    if (input.mode === 'planned') {
      const sync = yield* callOrchestrator(
        context,
        Orchestrators.replicate,
        { trigger: 'failover', regions: [input.to] },
        `${input.id}-sync`,
      );
      record.finalSync = {
        runId: sync.runId,
        copied: sync.totals.copied,
        failed: sync.totals.failed,
        alreadyReplicated: sync.totals.alreadyReplicated,
        unverified: sync.totals.unverified,
      };
      step(
        'finalSync',
        sync.totals.failed === 0 ? 'ok' : 'partial',
        `${sync.totals.copied} copied, ${sync.totals.failed} failed`,
      );
      const after = yield* callActivity(context, FailoverActivities.failoverReadiness, {
        id: input.id,
        to: input.to,
        listPrimary: false,
      });
      record.readiness = after;
      withoutCopy = after.withoutCopy;
      if (withoutCopy.length > 0 && !input.force) {
        record.refusedModels = withoutCopy;
        step(
          'refused',
          'refused',
          `without a verified copy in ${input.to}: ${withoutCopy.slice(0, 20).join(', ')}${withoutCopy.length > 20 ? ', …' : ''}`,
        );
        return yield* finish('refused');
      }
    }

    const switched = yield* callActivity(context, FailoverActivities.switchPrimary, {
      id: input.id,
      mode: input.mode,
      from: input.from,
      to: input.to,
      requestedAt: input.requestedAt,
    });
    if (!switched.switched) {
      record.error = switched.reason;
      step('switch', 'failed', switched.reason);
      return yield* finish('failed');
    }
    record.switchedAt = switched.switchedAt;
    record.routingPublishedAt = switched.routingPublishedAt;
    record.routed = switched.routed;
    record.withoutCopy = switched.withoutCopy;
    record.achievedRpoSeconds = record.readiness?.rpoSeconds ?? readiness.rpoSeconds;
    record.achievedRtoSeconds = Math.max(
      0,
      (Date.parse(switched.routingPublishedAt) - Date.parse(input.requestedAt)) / 1000,
    );
    step('switch', 'ok', `primary ${input.to} (epoch ${switched.epoch}); ${switched.routed} model(s) routed`);
    step('routingPublished', 'ok');
    return yield* finish('completed');
  } catch (e) {
    record.error = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
    step('error', 'failed', record.error);
    return yield* finish('failed');
  }
}

/** A copy of the record as it is now: an activity's input must not change after it was scheduled. */
function snapshot(record: FailoverRecord): FailoverRecord {
  return { ...record, steps: record.steps.map((s) => ({ ...s })) };
}
