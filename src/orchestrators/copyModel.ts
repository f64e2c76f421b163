/**
 * Copy one source model into one target region: the heart of the app.
 *
 * Deterministic generator (replayed by the durable engine): no I/O, no clock, no
 * randomness; time comes from `context.df.currentUtcDateTime`, waits are durable timers.
 *
 *  1. `startCopy` authorizes on the target and starts the copy on the source in one
 *     activity, so the access token never leaves that activity (it never enters
 *     history) and cannot expire during a durable wait.
 *  2. Poll the copy with durable timers at an adaptive interval (see `nextPollDelayMs`),
 *     honouring Retry-After, until success, failure or the pair's deadline.
 *  3. On success, verify the target model is `ready` and record the replica.
 *  4. On an expired / reused / invalid authorization or a transient failure, delete the
 *     blank target model and try again with a new authorization (bounded); on a
 *     permanent error stop with the service's reason. Throttling never counts as an
 *     attempt, but is bounded by the deadline.
 *  5. Every blank target model created by an authorization that did not end in a
 *     verified copy is deleted (`discardTarget`): no orphans.
 *  6. A target that already holds a verified copy of the item (`present`: v3.1/v4 same-id
 *     copies met with 409 ModelExists) is verified and recorded, not copied again.
 *
 * The same generator serves every API family and item kind: what differs lives in the
 * activities (activities/copyFamily.ts).
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivity, inputOf } from '../durable/call';
import type { CopyFailureReason, CopyOutcome } from '../replication/contracts';
import { addMs, nextPollDelayMs, nextSlotMs, retryDelayMs } from '../replication/policy';
import { Activities, Orchestrators } from '../replication/registry';

type PollResult =
  | { kind: 'succeeded'; targetModelId: string }
  | { kind: 'failed'; reason: CopyFailureReason; renew: boolean; settle?: true };

export function* copyModelOrchestrator(context: OrchestrationContext): Generator<Task, CopyOutcome, unknown> {
  const input = inputOf(context, Orchestrators.copy);
  const { runId, sourceModelId, region, policy } = input;
  const startedAt = context.df.currentUtcDateTime;
  const deadline = addMs(startedAt, policy.deadlineMs);
  const pair = { runId, sourceModelId, region };
  let attempts = 0;
  let discarded = 0;
  let lastReason: CopyFailureReason | undefined;
  // Signatures of the authorization rejections met so far: the same answer twice stops the pair.
  const rejections: string[] = [];
  const repeatedRejection = (reason: CopyFailureReason): CopyFailureReason | undefined => {
    if (reason.rejection === undefined) return undefined;
    if (!rejections.includes(reason.rejection)) {
      rejections.push(reason.rejection);
      return undefined;
    }
    return {
      kind: 'permanent',
      code: reason.code,
      message:
        `authorization rejected: the target's region or resource id is probably wrong (or the authorization was reused) — ` +
        `the target is configured as region '${region}' in DR_TARGETS; the service gave the same answer to two authorizations: ${reason.message}`,
      requestId: reason.requestId,
    };
  };

  const finish = (
    outcome: Omit<CopyOutcome, 'sourceModelId' | 'region' | 'attempts' | 'discarded' | 'startedAt' | 'finishedAt'>,
  ): CopyOutcome => ({
    sourceModelId,
    region,
    attempts,
    discarded,
    startedAt: startedAt.toISOString(),
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    ...outcome,
  });

  function* fail(reason: CopyFailureReason): Generator<Task, CopyOutcome, unknown> {
    yield* callActivity(context, Activities.recordCopyFailure, {
      runId,
      sourceModelId,
      region,
      reason,
      attempts,
      startedAt: startedAt.toISOString(),
    });
    return finish({ outcome: 'failed', reason });
  }

  function* wait(ms: number): Generator<Task, void, unknown> {
    yield context.df.createTimer(addMs(context.df.currentUtcDateTime, ms));
  }

  const pastDeadline = (): boolean => context.df.currentUtcDateTime.getTime() >= deadline.getTime();

  while (attempts < policy.maxAttempts) {
    if (pastDeadline()) {
      return yield* fail(deadlineReason(policy.deadlineMs, lastReason));
    }
    attempts += 1;
    // Cross-instance pacing: wait for this copy's next start slot (durable time, durable timer).
    if (input.slot) {
      const now = context.df.currentUtcDateTime.getTime();
      const at = nextSlotMs(now, input.slot);
      if (at > now) yield* wait(at - now);
    }
    const started = yield* callActivity(context, Activities.startCopy, {
      runId,
      sourceModelId,
      region,
      attempt: attempts,
      ...(input.slot ? { slotted: true } : {}),
    });

    if (started.kind === 'failed') {
      return yield* fail(started.reason);
    }
    if (started.kind === 'present') {
      // The target already holds a verified copy of this item (a 409 on authorize whose
      // model carries our lineage): verify and record it; nothing of ours to discard. A copy an
      // earlier run made (e.g. the ledger was lost) counts as already replicated, not copied.
      const verified = yield* verify(started.targetModelId);
      if (verified.kind === 'verified')
        return finish({
          outcome: 'copied',
          targetModelId: verified.targetModelId,
          ...(started.byThisRun ? {} : { alreadyThere: true as const }),
        });
      return yield* fail(verified.reason);
    }
    if (started.kind === 'settle') {
      // The resent authorization was refused as used: the first POST may have been accepted
      // (a lost 202). Read the target until the copy is there and ready; otherwise renew.
      const settled = yield* verify(started.targetModelId, true);
      if (settled.kind === 'verified') return finish({ outcome: 'copied', targetModelId: settled.targetModelId });
      lastReason = started.reason;
      yield* discard(started.targetModelId);
      const repeated = repeatedRejection(started.reason);
      if (repeated) return yield* fail(repeated);
      if (attempts < policy.maxAttempts) yield* wait(retryDelayMs(policy, attempts));
      continue;
    }
    if (started.kind === 'retry') {
      if (!started.countsAsAttempt) attempts -= 1;
      const repeated = repeatedRejection(started.reason);
      if (repeated) return yield* fail(repeated);
      if (started.paced) {
        // Nothing was sent: wait exactly for the management slot reserved for this attempt.
        yield* wait(Math.max(1, started.retryAfterMs ?? policy.pollInitialMs));
        continue;
      }
      lastReason = started.reason;
      yield* wait(
        started.countsAsAttempt
          ? retryDelayMs(policy, attempts, started.retryAfterMs)
          : Math.max(started.retryAfterMs ?? 0, policy.pollInitialMs),
      );
      continue;
    }

    const polled = yield* pollCopy(started.operationLocation, started.targetModelId, started.retryAfterMs);
    if (polled.kind === 'succeeded') {
      const verified = yield* verify(started.targetModelId);
      if (verified.kind === 'verified') {
        return finish({ outcome: 'copied', targetModelId: verified.targetModelId });
      }
      lastReason = verified.reason;
      yield* discard(started.targetModelId);
      return yield* fail(verified.reason);
    }

    if (polled.settle) {
      // Refused as already used: an earlier copy with this authorization may be landing there.
      const settled = yield* verify(started.targetModelId, true);
      if (settled.kind === 'verified') return finish({ outcome: 'copied', targetModelId: settled.targetModelId });
    }
    lastReason = polled.reason;
    yield* discard(started.targetModelId);
    if (!polled.renew || polled.reason.kind === 'deadline') {
      return yield* fail(polled.reason);
    }
    const repeated = repeatedRejection(polled.reason);
    if (repeated) return yield* fail(repeated);
    if (attempts < policy.maxAttempts) {
      yield* wait(retryDelayMs(policy, attempts));
    }
  }

  return yield* fail({
    kind: lastReason?.kind ?? 'internal',
    code: lastReason?.code,
    message: `gave up after ${attempts} authorization(s); last error: ${lastReason?.message ?? 'none'}`,
    requestId: lastReason?.requestId,
  });

  function* pollCopy(
    operationLocation: string,
    targetModelId: string,
    firstRetryAfterMs?: number,
  ): Generator<Task, PollResult, unknown> {
    const copyStartedAt = context.df.currentUtcDateTime.getTime();
    let polls = 0;
    let retryAfterMs = firstRetryAfterMs;
    let unknownInARow = 0;
    for (;;) {
      const elapsed = context.df.currentUtcDateTime.getTime() - copyStartedAt;
      yield* wait(nextPollDelayMs(policy, polls, elapsed, retryAfterMs));
      polls += 1;
      const status = yield* callActivity(context, Activities.checkCopy, {
        sourceModelId,
        region,
        runId,
        operationLocation,
        targetModelId,
      });
      retryAfterMs = undefined;
      switch (status.kind) {
        case 'succeeded':
          return { kind: 'succeeded', targetModelId: status.targetModelId };
        case 'failed':
          return status;
        case 'pending':
          unknownInARow = 0;
          retryAfterMs = status.retryAfterMs;
          break;
        case 'unknown':
          unknownInARow += 1;
          retryAfterMs = status.retryAfterMs;
          // A copy result that cannot be read for many polls in a row is treated as a
          // transient failure of this attempt: a new authorization gets a new operation.
          if (unknownInARow >= 10) return { kind: 'failed', reason: status.reason, renew: true };
          break;
      }
      if (pastDeadline()) {
        return { kind: 'failed', reason: deadlineReason(policy.deadlineMs, lastReason), renew: false };
      }
    }
  }

  function* verify(
    targetModelId: string,
    settling = false,
  ): Generator<
    Task,
    { kind: 'verified'; targetModelId: string } | { kind: 'failed'; reason: CopyFailureReason },
    unknown
  > {
    const until = addMs(context.df.currentUtcDateTime, policy.verifyTimeoutMs);
    let checks = 0;
    for (;;) {
      const result = yield* callActivity(context, Activities.finishCopy, {
        ...pair,
        targetModelId,
        ...(settling ? { settling } : {}),
        startedAt: startedAt.toISOString(),
      });
      if (result.kind === 'verified') return { kind: 'verified', targetModelId: result.targetModelId };
      if (result.kind === 'failed') return result;
      checks += 1;
      if (context.df.currentUtcDateTime.getTime() >= until.getTime()) {
        return {
          kind: 'failed',
          reason: {
            kind: 'verification',
            message: settling
              ? `no copy landed in target model ${targetModelId} within ${Math.round(policy.verifyTimeoutMs / 1000)} s of the refused resend (it is '${result.status}')`
              : `the copy reported success but target model ${targetModelId} is still '${result.status}' after ${Math.round(policy.verifyTimeoutMs / 1000)} s`,
          },
        };
      }
      yield* wait(nextPollDelayMs(policy, checks, 0));
    }
  }

  function* discard(targetModelId: string): Generator<Task, void, unknown> {
    try {
      yield* callActivity(context, Activities.discardTarget, { ...pair, targetModelId });
      discarded += 1;
    } catch {
      // The blank model stays recorded as pending in the ledger; the next run's
      // orphan sweep deletes it. The pair's own outcome is decided elsewhere.
    }
  }
}

function deadlineReason(deadlineMs: number, last?: CopyFailureReason): CopyFailureReason {
  const minutes = Math.round(deadlineMs / 60_000);
  return {
    kind: 'deadline',
    code: last?.code,
    message: `not copied within the ${minutes}-minute deadline${last ? `; last error: ${last.message}` : ''}`,
    requestId: last?.requestId,
  };
}
