/** The one secret module (issue 25 items 1 and 9): one set of patterns for scrubbing and the guard. */
import { REDACTED, findSecret, redactValue, scrubSecrets } from '../../src/common/secrets';

describe('scrubSecrets and findSecret share one set of patterns', () => {
  it.each([
    ['query sig', 'https://a.blob.core.windows.net/c/m?sv=1&sig=S3cr3tA', 'S3cr3tA'],
    ['semicolon sig', 'https://a.blob.core.windows.net/c/m.ONNX;sig=S3cr3tB', 'S3cr3tB'],
    ['dot sig', 'https://a.blob.core.windows.net/c/m.ONNX.sig=S3cr3tC', 'S3cr3tC'],
    ['encoded sig', 'c/m.ONNX%3Bsig%3DS3cr3tD%2Bx%3D%3D', 'S3cr3tD'],
    ['account key', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3cr3tE==;EndpointSuffix=x', 'S3cr3tE'],
    ['encoded account key', 'm.ONNX%3BAccountKey%3DS3cr3tF%3D%3D', 'S3cr3tF'],
    ['api-key header', 'refused api-key: S3cr3tG', 'S3cr3tG'],
    ['bearer token', 'Authorization: Bearer S3cr3tHS3cr3tHS3cr3tH', 'S3cr3tH'],
  ])('%s: scrubbed, and the guard refuses it raw but accepts it scrubbed', (_name, text, secret) => {
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain(REDACTED);
    expect(findSecret({ text })).toEqual({ path: '$.text', reason: expect.any(String) });
    expect(findSecret({ text: scrubbed })).toBeUndefined();
    expect(scrubSecrets(scrubbed)).toBe(scrubbed);
  });

  it('redactValue scrubs every string, drops secret-named fields and names what changed', () => {
    const paths: string[] = [];
    const out = redactValue({ a: [{ reason: 'x AccountKey=k;' }], accessToken: 't', ok: 'plain', n: 3 }, paths);
    expect(out).toEqual({ a: [{ reason: 'x AccountKey=[redacted];' }], ok: 'plain', n: 3 });
    expect(paths).toEqual(['$.a[0].reason', '$.accessToken']);
    expect(findSecret(out)).toBeUndefined();
  });
});
