/**
 * A fresh ledger container per test, on the describe's Azurite: each call to `next()` names a
 * new container `<prefix>-<n>` so tests never see each other's blobs.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { AzuriteInstance } from '../../dev/azurite';
import { createLedgerContainerClient } from '../../src/ledger';

export function ledgerContainers(azurite: AzuriteInstance, prefix: string): { next(): ContainerClient } {
  let n = 0;
  return {
    next: () => createLedgerContainerClient({ connectionString: azurite.connectionString }, `${prefix}-${++n}`),
  };
}
