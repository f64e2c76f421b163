/**
 * Errors in the orchestration contract's words.
 */
import { errorSignature, isAuthorizationRejection, isFormRecognizerError, serializeError } from '../../formRecognizer';
import { scrubSecrets } from '../../common/secrets';
import { LedgerError } from '../../ledger';
import type { CopyFailureReason } from '../../replication/contracts';

/** The client's classification, in the orchestration contract's words; never a secret. */
export function toFailureReason(e: unknown): CopyFailureReason {
  if (isFormRecognizerError(e)) {
    const s = serializeError(e);
    const kind: CopyFailureReason['kind'] =
      e.kind === 'throttled'
        ? 'throttled'
        : e.kind === 'transient'
          ? 'transient'
          : e.kind === 'authorizationRenewal'
            ? 'authorization'
            : e.reason === 'conflict'
              ? 'conflict'
              : 'permanent';
    return {
      kind,
      message: s.message,
      ...(s.code ? { code: s.code } : e.reason ? { code: e.reason } : {}),
      ...(s.requestId ? { requestId: s.requestId } : {}),
      ...(isAuthorizationRejection(e) ? { rejection: errorSignature(e) } : {}),
    };
  }
  if (e instanceof LedgerError) return { kind: 'transient', code: e.name, message: `ledger: ${e.message}` };
  const message = e instanceof Error ? e.message : String(e);
  // Storage or network trouble outside the client: worth another try.
  return { kind: 'transient', message: scrubSecrets(message).slice(0, 500) };
}
