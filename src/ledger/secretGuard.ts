/**
 * The ledger never stores secrets (copy authorizations' access tokens, keys, SAS tokens,
 * connection strings). The guard (`findSecret`, applied by `DocumentStore` before every
 * write) is the last line of defence; service text is scrubbed where it enters (the
 * clients' errors). Both use the one secret module, `src/common/secrets.ts`.
 */
export {
  findSecret,
  isSecretFieldName,
  redactValue,
  scrubSecrets as redactSecrets,
  type SecretFinding,
} from '../common/secrets';
