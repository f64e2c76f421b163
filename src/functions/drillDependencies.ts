/**
 * The restore drills' dependencies: the sample container (`DR_DRILL_SAMPLES_URL`, by the same
 * credential rules as the other containers: its SAS, else the `AzureWebJobsStorage`
 * connection's credential when on the same account, else the app's Azure credential), one
 * analyze client per resource (the same keys / credential as the copy clients) and the pacer of
 * analyze POSTs per resource (S0_ANALYZE_RPS).
 */
import type { TokenCredential } from '@azure/identity';
import { resolveSecret, type CredentialRef, type ModelResource, type Settings } from '../config';
import { chooseContainerAccess, readStorageConnection } from '../customVision/storageAccess';
import type { DrillDeps } from '../activities/drills';
import { AnalyzeClient, type AnalyzeApi } from '../formRecognizer/analyzeClient';
import type { FormRecognizerCredential } from '../formRecognizer';
import type { Ledger } from '../ledger/connect';
import type { DrillRepository } from '../ledger/drills';
import { ManagementPacer } from '../replication/pacing';
import { S0_ANALYZE_RPS } from '../drills/contracts';
import type { AppRuntime } from './dependencies';

export function createDrillDeps(
  settings: Settings,
  runtime: AppRuntime,
  credential: () => TokenCredential,
  ledger: () => Promise<Ledger>,
): DrillDeps {
  const { env, clock } = runtime;
  const credentialFor = (ref: CredentialRef): FormRecognizerCredential =>
    ref.kind === 'key' ? { key: resolveSecret({ setting: ref.setting }, env) } : credential();
  const clients = new Map<string, AnalyzeApi>();
  const client = (key: string, resource: ModelResource): AnalyzeApi => {
    let c = clients.get(key);
    if (!c) {
      c = new AnalyzeClient({
        endpoint: resource.endpoint,
        apiVersion: settings.apiVersion,
        credential: credentialFor(resource.credential),
        now: () => clock.now(),
      });
      clients.set(key, c);
    }
    return c;
  };
  const samplesAt = settings.drills.samples;
  const deps: DrillDeps = {
    settings,
    clock,
    // One pacer per app instance: every drill run of this instance shares the analyze rate per resource.
    analyzePacer: new ManagementPacer(S0_ANALYZE_RPS),
    // Any member's region: `{kind: 'source'}` (plans from before lineages) and the source's region are one resource.
    analyzer(at) {
      if (at.kind === 'source' || at.region === settings.source.region) return client('source', settings.source);
      const target = settings.targets.find((t) => t.region === at.region);
      if (!target) throw new Error(`region '${at.region}' is not a member (DR_SOURCE_REGION or DR_TARGETS)`);
      return client(`region:${at.region}`, target);
    },
    ledger,
    // The ledger's own drill repository: the read model (src/readModel) reads the same records.
    async drills(): Promise<DrillRepository> {
      return (await ledger()).drills;
    },
  };
  if (samplesAt) {
    const sas = samplesAt.sas ? resolveSecret(samplesAt.sas, env) : undefined;
    deps.samples = chooseContainerAccess({
      setting: 'DR_DRILL_SAMPLES_URL',
      containerUrl: samplesAt.url,
      ...(sas ? { sas } : {}),
      storage: readStorageConnection(env),
      tokenCredential: () => credential(),
    }).client;
  }
  return deps;
}
