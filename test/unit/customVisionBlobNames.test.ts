import {
  backupBlobName,
  blobNameMatches,
  compactGuid,
  exportBlobPrefixes,
  parseExportBlobName,
} from '../../src/customVision/blobNames';
import { checkModelUri, createModelUriPolicy } from '../../src/customVision/modelUri';

const P = '5c2b7d38-1d3a-4f0e-9d53-2b7f7e3c1a10';
const I = 'a1e4c0b2-77f2-4a8e-8f1b-0d3c2e9f6b21';
const p = P.replace(/-/g, '');
const i = I.replace(/-/g, '');

describe('exported model blob names', () => {
  it.each([
    ['documented', `${P} - ${I}.TensorFlow`, 'documented'],
    ['GUIDs without dashes', `${p} - ${i}.TensorFlow`, 'documented'],
    ['upper-case GUIDs', `${P.toUpperCase()} - ${I.toUpperCase()}.TensorFlow`, 'documented'],
    ['a .zip suffix', `${P} - ${I}.TensorFlow.zip`, 'documented'],
    ['a flavor suffix', `${P} - ${I}.TensorFlow.TensorFlowLite`, 'documented'],
    ['no spaces', `${P}-${I}.ONNX`, 'documented'],
    ["Custom Vision's own copy", `m-${p}/${i}.TensorFlow.zip`, 'customVisionCopy'],
    [
      "Custom Vision's own copy, upper case",
      `M-${p.toUpperCase()}/${i.toUpperCase()}.TensorFlow.zip`,
      'customVisionCopy',
    ],
  ])('identifies project and iteration in %s', (_what, name, form) => {
    expect(parseExportBlobName(name)).toMatchObject({ projectId: P, iterationId: I, form });
    expect(blobNameMatches(name, P.toUpperCase(), i)).toBe(true);
  });

  it.each([
    ['another iteration', `${P} - ${P}.ONNX`],
    ['no suffix', `${P} - ${I}`],
    ['a GUID with one dash missing', `${P.replace('-', '')} - ${I}.ONNX`],
    ['a random name', 'model.onnx'],
    ['the permission test blob', `CustomVision-TestPermission-${I}/permission-test`],
  ])('does not match %s', (_what, name) => {
    expect(blobNameMatches(name, P, I)).toBe(false);
  });

  it('takes nothing but the ids from the name (the suffix is informative only)', () => {
    expect(parseExportBlobName(`${P} - ${I}.ONNX.zip`)?.suffix).toBe('ONNX.zip');
  });

  it('names backups per flavor, so two flavors of one platform are two blobs', () => {
    const a = backupBlobName(P.toUpperCase(), I, 'TensorFlow', 'TensorFlowNormal');
    const b = backupBlobName(P, I, 'TensorFlow', 'TensorFlowLite');
    expect(a).toBe(`${P} - ${I}.TensorFlow.TensorFlowNormal`);
    expect(b).toBe(`${P} - ${I}.TensorFlow.TensorFlowLite`);
    expect(backupBlobName(P, I, 'ONNX')).toBe(`${P} - ${I}.ONNX`);
  });

  it('lists by prefixes that cover every form and both cases', () => {
    const prefixes = exportBlobPrefixes(P, I);
    for (const name of [`${P} - ${I}.X`, `${p} - ${i}.X`, `${P.toUpperCase()} - ${I}.X`, `m-${p}/${i}.X.zip`])
      expect(prefixes.some((x) => name.startsWith(x))).toBe(true);
    expect(exportBlobPrefixes('not-a-guid', I)).toEqual([]);
    expect(compactGuid(P)).toBe(p);
  });

  it('still refuses a modelUri outside the configured container, whatever the blob name form', () => {
    const policy = createModelUriPolicy({ backupContainerUrl: 'https://drbackups.blob.core.windows.net/cv-backups' });
    const cvCopy = `m-${p}/${i}.TensorFlow.zip`;
    expect(checkModelUri(`https://drbackups.blob.core.windows.net/cv-backups/${cvCopy}`, policy)).toMatchObject({
      ok: true,
      location: { blobName: cvCopy },
    });
    for (const host of ['drbackups.blob.core.windows.net.evil.com', 'irisprodeutraining.blob.core.windows.net'])
      expect(checkModelUri(`https://${host}/cv-backups/${cvCopy}`, policy).ok).toBe(false);
  });
});
