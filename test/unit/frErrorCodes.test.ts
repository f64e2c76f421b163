/**
 * Issue 11, facts 1, 3 and 7 (client side): the documented error-code table is one source for
 * the classifier and docs/client.md, limit codes are permanent, an unknown 4xx inner code is
 * permanent, a 403 AuthorizationFailed on copyTo says "the copy may have landed", and two
 * identical refusals have the same signature.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorizationConsumedError,
  AuthorizationRenewalError,
  DOCUMENTED_ERROR_CODES,
  ModelNotFoundError,
  PermanentError,
  TransientError,
  classifyCopyFailure,
  classifyDocumentModelCopyFailure,
  classifyHttpFailure,
  copyMayHaveLanded,
  documentedErrorCode,
  errorSignature,
  flattenServiceError,
  isAuthorizationRejection,
  serializeError,
} from '../../src/formRecognizer';

const DOC = readFileSync(join(__dirname, '../../docs/client.md'), 'utf8');

function docRows(): string[][] {
  const m = /<!-- error-codes:begin -->([\s\S]*?)<!-- error-codes:end -->/.exec(DOC);
  if (!m?.[1]) throw new Error('docs/client.md has no error-codes table');
  return m[1]
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
}

describe('the documented error-code table (docs/client.md ⇄ errorCodes.ts)', () => {
  it('lists exactly the rows of DOCUMENTED_ERROR_CODES, in order, with the same kind and reason', () => {
    const rows = docRows();
    expect(rows.map((r) => r.slice(0, 5))).toEqual(
      DOCUMENTED_ERROR_CODES.map((c) => [c.code, String(c.status), c.outer ?? '', c.kind, c.reason]),
    );
  });

  it('has one row per code and is looked up case-insensitively', () => {
    const codes = DOCUMENTED_ERROR_CODES.map((c) => c.code.toLowerCase());
    expect(new Set(codes).size).toBe(codes.length);
    expect(documentedErrorCode('documentmodellimitneural')?.reason).toBe('limitExceeded');
    expect(documentedErrorCode('NoSuchCode')).toBeUndefined();
  });

  it.each(DOCUMENTED_ERROR_CODES.filter((c) => c.status === 'operation' || c.status === 400))(
    'classifies $code the way the table says (inside a failed operation)',
    (row) => {
      const e = classifyDocumentModelCopyFailure([{ code: row.code, message: 'as documented' }]);
      // 1002 is a v2 HTTP code; inside an operation the table row still decides its kind.
      expect(e.kind).toBe(row.kind);
      expect(e.reason).toBe(row.reason);
    },
  );
});

describe('issue 22 item 10: one answer for a reused authorization and a wrong region (docs/client.md ⇄ classifier)', () => {
  function messageRows(): string[][] {
    const m = /<!-- operation-messages:begin -->([\s\S]*?)<!-- operation-messages:end -->/.exec(DOC);
    if (!m?.[1]) throw new Error('docs/client.md has no operation-messages table');
    return m[1]
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .slice(2)
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim().replace(/^`|`$/g, '')),
      );
  }

  it('every documented v2 operation message is classified with the reason the doc gives', () => {
    const rows = messageRows();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const [code, message, reason] of rows) {
      const e = classifyCopyFailure([{ code, message }]);
      expect({ code, message, reason: e.reason, kind: e.kind }).toEqual({
        code,
        message,
        reason,
        kind: 'authorizationRenewal',
      });
    }
  });

  it('AuthorizationError with the recorded wrong-region text is authorizationReused, never documented as authorizationInvalid', () => {
    const e = classifyCopyFailure([
      {
        code: 'AuthorizationError',
        message:
          'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
      },
    ]);
    expect(e.reason).toBe('authorizationReused');
    // The kind table's renewal row must not attribute the wrong region to authorizationInvalid.
    const renewal = DOC.split('\n').find((l) => l.startsWith('| `authorizationRenewal`')) ?? '';
    expect(renewal).not.toMatch(/authorizationInvalid`\), which includes a well-formed but wrong region/);
    expect(renewal).toMatch(/wrong region\*\* \(`authorizationReused`/);
  });
});

describe('fact 3: quota and limit errors are permanent', () => {
  const limit = flattenServiceError({
    code: 'InvalidRequest',
    message: 'Invalid request.',
    innererror: { code: 'DocumentModelLimitNeural', message: 'Neural model limit reached (10 of 10).' },
  });

  it('a failed operation with DocumentModelLimitNeural stops the pair with its code and message', () => {
    const e = classifyDocumentModelCopyFailure(limit);
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.reason).toBe('limitExceeded');
    expect(e.serviceCode).toBe('DocumentModelLimitNeural');
    expect(e.message).toContain('Neural model limit reached');
    expect(e.retryable).toBe(false);
  });

  it.each(['DocumentModelLimit', 'DocumentModelLimitComposed'])('%s on a 400 copyTo is permanent', (code) => {
    const e = classifyHttpFailure(
      { status: 400, serviceCode: code, serviceMessage: 'limit reached' },
      { operation: 'startCopy' },
    );
    expect(e.kind).toBe('permanent');
    expect(e.reason).toBe('limitExceeded');
    expect(e.serviceCode).toBe(code);
  });

  it('an unknown inner code under InvalidRequest is permanent (was transient: four authorizations burned)', () => {
    const e = classifyDocumentModelCopyFailure(
      flattenServiceError({
        code: 'InvalidRequest',
        message: 'Invalid request.',
        innererror: { code: 'SomethingNew', message: 'Not allowed here.' },
      }),
    );
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.reason).toBe('badRequest');
    expect(e.serviceCode).toBe('SomethingNew');
  });

  it('an unknown 4xx HTTP code is permanent; 5xx and InternalServerError stay transient', () => {
    expect(classifyHttpFailure({ status: 400, serviceCode: 'Whatever' }, { operation: 'authorizeCopy' }).kind).toBe(
      'permanent',
    );
    expect(classifyHttpFailure({ status: 503 }, { operation: 'startCopy' })).toBeInstanceOf(TransientError);
    expect(classifyDocumentModelCopyFailure([{ code: 'InternalServerError', message: 'x' }])).toBeInstanceOf(
      TransientError,
    );
  });

  it('an unknown numeric v2 operation code stays transient (bounded by the caller), as documented', () => {
    expect(classifyCopyFailure([{ code: '3999', message: 'odd' }]).kind).toBe('transient');
  });

  it('ModelNotFound inside an operation is a ModelNotFoundError', () => {
    expect(classifyCopyFailure([{ code: 'ModelNotFound', message: 'gone' }])).toBeInstanceOf(ModelNotFoundError);
  });
});

describe('fact 1: a 403 AuthorizationFailed on copyTo may hide a copy that landed', () => {
  const consumed = (): ReturnType<typeof classifyHttpFailure> =>
    classifyHttpFailure(
      {
        status: 403,
        serviceCode: 'AuthorizationFailed',
        serviceMessage: 'Forbidden: Authorization failed: the copy authorization has already been used.',
      },
      { operation: 'startCopy', requestId: 'r-1' },
    );

  it('is its own kind of renewal, not a permanent forbidden', () => {
    const e = consumed();
    expect(e).toBeInstanceOf(AuthorizationConsumedError);
    expect(e).toBeInstanceOf(AuthorizationRenewalError);
    expect(e.reason).toBe('authorizationConsumed');
    expect(e.kind).toBe('authorizationRenewal');
    expect(copyMayHaveLanded(e)).toBe(true);
    expect(copyMayHaveLanded(serializeError(e))).toBe(true);
    expect(isAuthorizationRejection(e)).toBe(true);
  });

  it('a 403 on another call (or without AuthorizationFailed) stays permanent forbidden', () => {
    const other = classifyHttpFailure({ status: 403, serviceCode: 'AuthorizationFailed' }, { operation: 'listModels' });
    expect(other.reason).toBe('forbidden');
    expect(copyMayHaveLanded(other)).toBe(false);
    expect(classifyHttpFailure({ status: 403, serviceCode: '403' }, { operation: 'startCopy' }).reason).toBe(
      'forbidden',
    );
  });

  it('v2: "Could not retrieve authorization metadata" on a retry is recognisable as maybe-landed', () => {
    for (const d of [
      {
        code: '2024',
        message:
          'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
      },
      {
        code: 'AuthorizationError',
        message:
          'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
      },
    ]) {
      const e = classifyCopyFailure([d]);
      expect(e.reason).toBe('authorizationReused');
      expect(copyMayHaveLanded(e)).toBe(true);
    }
    const expired = classifyHttpFailure(
      { status: 400, serviceCode: '1002', serviceMessage: 'expired' },
      { operation: 'startCopy' },
    );
    expect(copyMayHaveLanded(expired)).toBe(false);
    expect(isAuthorizationRejection(expired)).toBe(false);
  });
});

describe('fact 7 (client side): the same refusal twice has one signature', () => {
  const wrongRegion = (model: string, rid: string): ReturnType<typeof classifyCopyFailure> =>
    classifyCopyFailure(
      [
        {
          code: 'AuthorizationError',
          message: `Could not retrieve authorization metadata for '${model}' (request ${rid}) at 2026-03-01T10:00:02Z. If this issue persists use a different target model to copy into.`,
        },
      ],
      { requestId: rid },
    );

  it('ignores quoted ids, GUIDs, numbers and timestamps; works on serialized errors', () => {
    const a = wrongRegion('9b1c0e52-0000-4000-8000-000000000001', '1f6a2c3e-1111-4111-8111-111111111111');
    const b = wrongRegion('9b1c0e52-0000-4000-8000-000000000002', '2f6a2c3e-2222-4222-8222-222222222222');
    expect(errorSignature(a)).toBe(errorSignature(b));
    expect(errorSignature(serializeError(a))).toBe(errorSignature(b));
  });

  it('differs for a different answer (code, reason or words)', () => {
    const a = wrongRegion('m', 'r');
    const claims = classifyCopyFailure([
      { code: 'AuthorizationError', message: 'Authorization failure due to missing or invalid authorization claims.' },
    ]);
    expect(errorSignature(a)).not.toBe(errorSignature(claims));
    const consumed = classifyHttpFailure(
      { status: 403, serviceCode: 'AuthorizationFailed' },
      { operation: 'startCopy' },
    );
    expect(errorSignature(consumed)).not.toBe(errorSignature(a));
  });
});
