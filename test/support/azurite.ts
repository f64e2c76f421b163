/**
 * Azurite for one describe block: started in `beforeAll`, stopped in `afterAll`.
 *
 *   const azurite = useAzurite();
 *   it('…', () => BlobServiceClient.fromConnectionString(azurite.connectionString) …);
 */
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { lazy } from './lazy';

export function useAzurite(): AzuriteInstance {
  let instance: AzuriteInstance | undefined;
  beforeAll(async () => {
    instance = await startAzurite();
  });
  afterAll(async () => {
    await instance?.stop();
    instance = undefined;
  });
  return lazy('Azurite', () => instance);
}
