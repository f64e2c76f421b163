/** The failover orchestration and its activities (docs/failover.md). Pure data. */
import { defineActivity, defineOrchestrator } from '../durable/define';
import { IO_RETRY } from '../replication/registry';
import type {
  FailoverInput,
  FailoverOutput,
  FailoverReadiness,
  FailoverRecord,
  ReadinessInput,
  SwitchInput,
  SwitchResult,
} from './contracts';

export const FailoverActivities = {
  /** Readiness of `to`: the ledger, plus the primary's listing when asked (never in an unplanned failover). */
  failoverReadiness: defineActivity<ReadinessInput, FailoverReadiness>('failoverReadiness', { retry: IO_RETRY }),
  /** primary := to (conditional write), routing published, event sent. Idempotent per failover id. */
  switchPrimary: defineActivity<SwitchInput, SwitchResult>('switchPrimary', { retry: IO_RETRY }),
  /** Writes the failover record (the same content overwrites itself). */
  saveFailoverRecord: defineActivity<FailoverRecord, void>('saveFailoverRecord', { retry: IO_RETRY }),
} as const;

export const FailoverOrchestrators = {
  failover: defineOrchestrator<FailoverInput, FailoverOutput>('failover'),
} as const;
