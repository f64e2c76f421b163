/**
 * The one place that builds an Azure credential (Microsoft Entra ID): Document Intelligence /
 * Form Recognizer without a key, Custom Vision, the Custom Vision containers without a SAS, and
 * the identity-based ledger all use it.
 *
 * The credential is `DefaultAzureCredential` with `managedIdentityClientId` set to the app's
 * user-assigned managed identity: `AZURE_CLIENT_ID`, else `AzureWebJobsStorage__clientId` when
 * that is all there is (see `IdentitySettings`). Without either it uses the system-assigned
 * identity in Azure, or a developer credential (`az login`, VS Code, …) locally.
 *
 * Build it once per built app (it caches tokens): {@link azureCredentialProvider} returns a lazy,
 * memoized getter to hold in the app's dependencies; there is no module-level instance.
 */
import {
  DefaultAzureCredential,
  type DefaultAzureCredentialClientIdOptions,
  type TokenCredential,
} from '@azure/identity';
import { identityFromEnv, type Env, type IdentitySettings } from '../config';

/** Loaded settings (their `identity`), or a raw environment read by the same rule. */
export type CredentialSource = { readonly identity: IdentitySettings } | Env;

function identityOf(source: CredentialSource): IdentitySettings {
  const identity = (source as { identity?: unknown }).identity;
  if (typeof identity === 'object' && identity !== null) return identity as IdentitySettings;
  return identityFromEnv(source as Env);
}

/** The options `createAzureCredential` passes to `DefaultAzureCredential` (no secrets: a client id is not one). */
export function azureCredentialOptions(source: CredentialSource): DefaultAzureCredentialClientIdOptions {
  const { clientId } = identityOf(source);
  return clientId ? { managedIdentityClientId: clientId } : {};
}

/** A new `DefaultAzureCredential` for the app's managed identity. Throws `ConfigurationError` for a bad env. */
export function createAzureCredential(source: CredentialSource): TokenCredential {
  return new DefaultAzureCredential(azureCredentialOptions(source));
}

/**
 * A getter that builds the credential on first use and returns the same instance afterwards:
 * one per built app (call this once where the app's dependencies are wired).
 */
export function azureCredentialProvider(source: CredentialSource): () => TokenCredential {
  const options = azureCredentialOptions(source); // validate now, build when first needed
  let credential: TokenCredential | undefined;
  return () => (credential ??= new DefaultAzureCredential(options));
}
