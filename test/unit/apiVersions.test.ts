/**
 * One list of API versions (src/common/apiVersions.ts), imported by the settings, the clients,
 * the emulator and the local stack; the retired v2.0 refused explicitly.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as common from '../../src/common/apiVersions';
import { SUPPORTED_API_VERSIONS as CONFIG_VERSIONS, loadSettings } from '../../src/config';
import {
  DOCUMENT_MODELS_API_VERSIONS as CLIENT_DOCUMENT_VERSIONS,
  SUPPORTED_API_VERSIONS as CLIENT_VERSIONS,
  createCopyClient,
} from '../../src/formRecognizer';
import { ALL_API_VERSIONS, DOCUMENT_API_VERSIONS } from '../../dev/emulators/formRecognizer/types';
import { keyedEnv, loadError } from '../support/settingsEnv';

describe('API versions, defined once', () => {
  it('settings, client and emulator use the same lists', () => {
    expect(common.SUPPORTED_API_VERSIONS).toEqual(['v2.1', '2023-07-31', '2024-11-30']);
    expect(CONFIG_VERSIONS).toBe(common.SUPPORTED_API_VERSIONS);
    expect(CLIENT_VERSIONS).toBe(common.SUPPORTED_API_VERSIONS);
    expect(CLIENT_DOCUMENT_VERSIONS).toBe(common.DOCUMENT_MODELS_API_VERSIONS);
    expect(DOCUMENT_API_VERSIONS).toBe(common.DOCUMENT_MODELS_API_VERSIONS);
    // The emulator serves the retired v2 paths too, as the service did.
    expect([...ALL_API_VERSIONS].sort()).toEqual([...common.V2_API_VERSIONS, ...common.RETIRED_API_VERSIONS].sort());
  });

  it('the supported list does not include the retired v2.0', () => {
    for (const v of common.RETIRED_API_VERSIONS) {
      expect(common.SUPPORTED_API_VERSIONS as readonly string[]).not.toContain(v);
      expect(common.isSupportedApiVersion(v)).toBe(false);
      expect(common.isRetiredApiVersion(v.toUpperCase())).toBe(true);
    }
  });

  it.each(['v2.0', 'v2.0-preview', 'V2.0'])('DR_API_VERSION=%s is refused: retired 31 Aug 2026', (v) => {
    const err = loadError(keyedEnv({ DR_API_VERSION: v }));
    expect(err.problems).toEqual([{ setting: 'DR_API_VERSION', message: common.retiredApiVersionProblem(v) }]);
    expect(err.message).toContain(`"${v}" was retired by the service on 31 Aug 2026; use "v2.1"`);
  });

  it('API family per version', () => {
    expect(common.SUPPORTED_API_VERSIONS.map(common.apiFamilyOf)).toEqual([
      'formRecognizerV2',
      'documentModels',
      'documentModels',
    ]);
  });

  it.each(common.SUPPORTED_API_VERSIONS)('%s: the settings and the client name the same API family', (apiVersion) => {
    const settings = loadSettings(keyedEnv({ DR_API_VERSION: apiVersion }));
    const client = createCopyClient({
      endpoint: 'https://r.cognitiveservices.azure.com',
      region: 'eastus',
      resourceId: 'x',
      credential: { key: 'k' },
      apiVersion,
    });
    expect(client.apiFamily).toBe(settings.apiFamily);
    expect(client.apiFamily).toBe(common.apiFamilyOf(apiVersion));
  });

  it("the client's refusal lists the supported versions", () => {
    expect(() =>
      createCopyClient({
        endpoint: 'https://r.cognitiveservices.azure.com',
        region: 'eastus',
        resourceId: 'x',
        credential: { key: 'k' },
        apiVersion: '2022-08-31',
      }),
    ).toThrow("API version '2022-08-31' is not implemented (supported: v2.1, 2023-07-31, 2024-11-30)");
  });

  it('no other file in src, dev or bench spells out a list of versions', () => {
    const root = path.join(__dirname, '..', '..');
    const files = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
      );
    // Two version literals next to each other in an array or a union: a list of versions.
    const version = `'(?:v2\\.[01](?:-preview)?|\\d{4}-\\d{2}-\\d{2})'`;
    const list = new RegExp(`${version}\\s*[,|]\\s*${version}`);
    const offenders = ['src', 'dev', 'bench']
      .flatMap(files)
      .filter((f) => f !== 'src/common/apiVersions.ts' && list.test(readFileSync(path.join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
