/**
 * `src/` knows nothing of `dev/`: no file names the emulators, and the http-on-loopback rule is
 * worded for what it is (a loopback host), not for who uses it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseContainerUrl } from '../../src/customVision/modelUri';
import { CustomVisionTrainingClient } from '../../src/customVision';
import { keyedEnv, loadError } from '../support/settingsEnv';

const root = path.join(__dirname, '..', '..');
const files = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );

describe('src wording', () => {
  it('no file in src mentions emulators', () => {
    expect(files('src').filter((f) => /emulat/i.test(readFileSync(path.join(root, f), 'utf8')))).toEqual([]);
  });

  it('http on a public host: the settings say http is allowed only for loopback hosts', () => {
    const err = loadError(keyedEnv({ DR_SOURCE_ENDPOINT: 'http://src.cognitiveservices.azure.com' }));
    expect(err.message).toContain(
      'DR_SOURCE_ENDPOINT: must use https (http://src.cognitiveservices.azure.com); http is allowed only for loopback hosts',
    );
  });

  it('http on a public host: the container URL and the Custom Vision client say the same', () => {
    expect(() => parseContainerUrl('http://acct.blob.core.windows.net/c', 'CV_BACKUP_CONTAINER_URL')).toThrow(
      'CV_BACKUP_CONTAINER_URL must be https (http is allowed only for loopback hosts), got http:',
    );
    expect(
      () => new CustomVisionTrainingClient({ endpoint: 'http://cv.cognitiveservices.azure.com', trainingKey: 'k' }),
    ).toThrow('Custom Vision endpoint must be https (http is allowed only for loopback hosts)');
  });
});
