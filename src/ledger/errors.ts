/** Base class of every error the ledger throws; `key` names the document when there is one. */
export class LedgerError extends Error {
  override readonly name: string = 'LedgerError';
  constructor(
    message: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A blob key that is not a safe ledger path. */
export class LedgerKeyError extends LedgerError {
  override readonly name = 'LedgerKeyError';
}

/** Optimistic concurrency lost: `update` ran out of attempts, or `delete` was given a stale ETag. */
export class LedgerConflictError extends LedgerError {
  override readonly name = 'LedgerConflictError';
  constructor(
    key: string,
    readonly attempts: number,
    message = `Ledger document "${key}" changed concurrently ${attempts} time(s) in a row; giving up`,
  ) {
    super(message, key);
  }
}

/** A stored blob is not a valid envelope, or its data fails the document type's guard. */
export class LedgerCorruptDocumentError extends LedgerError {
  override readonly name = 'LedgerCorruptDocumentError';
  constructor(
    key: string,
    readonly reason: string,
  ) {
    super(`Ledger document "${key}" is corrupt: ${reason}`, key);
  }
}

/** A stored document was written by a schema version this code cannot read (newer, or older without an upgrade). */
export class LedgerSchemaVersionError extends LedgerError {
  override readonly name = 'LedgerSchemaVersionError';
  constructor(
    key: string,
    readonly kind: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      found > supported
        ? `Ledger document "${key}" (${kind}) has schema version ${found}, newer than the ${supported} this code reads: deploy the newer version of the app (documents are never downgraded)`
        : `Ledger document "${key}" (${kind}) has schema version ${found}, which this code (version ${supported}) cannot upgrade`,
      key,
    );
  }
}

/** A value about to be written fails its document type's guard (a programming error: nothing was written). */
export class LedgerValidationError extends LedgerError {
  override readonly name = 'LedgerValidationError';
  constructor(key: string, kind: string) {
    super(`Refusing to write ledger document "${key}": the value is not a valid ${kind}`, key);
  }
}

/** A value about to be written carries something that looks like a secret (nothing was written). */
export class LedgerSecretError extends LedgerError {
  override readonly name = 'LedgerSecretError';
  constructor(
    key: string,
    /** JSON path of the offending field, e.g. `$.lastError.accessToken`. The value is never included. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Refusing to write ledger document "${key}": ${path} ${reason} (secrets are never stored in the ledger)`,
      key,
    );
  }
}

/** The ledger's container does not exist (deleted, or the storage account restored without it). */
export class LedgerContainerMissingError extends LedgerError {
  override readonly name = 'LedgerContainerMissingError';
  constructor(
    readonly containerName: string,
    key?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Ledger container "${containerName}" does not exist (deleted, or the storage account restored without it)`,
      key,
      options,
    );
  }
}

/**
 * The ledger's storage cannot serve the request: its endpoint cannot be reached (refused, timed
 * out, 5xx), or it cannot take writes now (only the secondary answers). `reason` names the
 * problem for an operator (never a key); HTTP answers it as 503.
 */
export class LedgerUnavailableError extends LedgerError {
  override readonly name = 'LedgerUnavailableError';
  constructor(
    readonly reason: string,
    /** `unreachable`: no endpoint answered; `containerMissing`: the container was gone (and re-created if it could be). */
    readonly kind: 'unreachable' | 'containerMissing',
    options?: { cause?: unknown },
  ) {
    super(reason, undefined, options);
  }
}
