import {
  blobLocationWithoutSas,
  checkModelUri,
  createModelUriPolicy,
  parseContainerUrl,
} from '../../src/customVision/modelUri';

const P = '5c2b7d38-1d3a-4f0e-9d53-2b7f7e3c1a10';
const I = 'a1e4c0b2-77f2-4a8e-8f1b-0d3c2e9f6b21';
const NAME = encodeURIComponent(`${P} - ${I}.ONNX`);

describe('modelUri policy: Azure account (virtual-host style)', () => {
  const policy = createModelUriPolicy({
    backupContainerUrl: 'https://drbackups.blob.core.windows.net/cv-backups',
    replicaContainerUrl: 'https://drreplica.blob.core.windows.net/cv-replica',
  });

  it('accepts a blob in the backup container and strips the query', () => {
    const r = checkModelUri(`https://DRBACKUPS.blob.core.windows.net/cv-backups/${NAME}?sv=1&sig=SECRET`, policy);
    expect(r).toEqual({
      ok: true,
      location: {
        url: `https://drbackups.blob.core.windows.net/cv-backups/${NAME}`,
        containerUrl: 'https://drbackups.blob.core.windows.net/cv-backups',
        blobName: `${P} - ${I}.ONNX`,
      },
    });
  });

  it.each([
    ['a foreign host', `https://irisprod.blob.core.windows.net/cv-backups/${NAME}`],
    ['another account on the same service', `https://other.blob.core.windows.net/cv-backups/${NAME}`],
    ['the replica account (not the backup container)', `https://drreplica.blob.core.windows.net/cv-replica/${NAME}`],
    ['another container of the backup account', `https://drbackups.blob.core.windows.net/other/${NAME}`],
    ['a container with the backup name as prefix', `https://drbackups.blob.core.windows.net/cv-backups-evil/${NAME}`],
    ['http on a non-loopback host', `http://drbackups.blob.core.windows.net/cv-backups/${NAME}`],
    ['a lookalike suffix host', `https://drbackups.blob.core.windows.net.evil.com/cv-backups/${NAME}`],
    ['a lookalike prefix host', `https://evildrbackups.blob.core.windows.net/cv-backups/${NAME}`],
    ['a trailing-dot host', `https://drbackups.blob.core.windows.net./cv-backups/${NAME}`],
    ['userinfo pretending to be the host', `https://drbackups.blob.core.windows.net@evil.com/cv-backups/${NAME}`],
    ['credentials in the URL', `https://user:pw@drbackups.blob.core.windows.net/cv-backups/${NAME}`],
    ['a different port', `https://drbackups.blob.core.windows.net:8443/cv-backups/${NAME}`],
    ['dot-segments escaping the container', `https://drbackups.blob.core.windows.net/cv-backups/../other/${NAME}`],
    ['encoded dot-segments', `https://drbackups.blob.core.windows.net/cv-backups/%2e%2e/other/${NAME}`],
    ['the container itself, no blob', 'https://drbackups.blob.core.windows.net/cv-backups/'],
    ['a non-URL', 'not a url'],
    ['another scheme', `file:///cv-backups/${NAME}`],
  ])('rejects %s', (_label, uri) => {
    const r = checkModelUri(uri, policy);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/^Content\.modelUri /);
      expect(r.message).not.toContain('sig=');
    }
  });
});

describe('modelUri policy: Azurite (path-style, loopback)', () => {
  const policy = createModelUriPolicy({
    backupContainerUrl: 'http://127.0.0.1:10000/devstoreaccount1/cv-backups',
    replicaContainerUrl: 'http://127.0.0.1:10000/devstoreaccount2/cv-replica',
  });

  it('accepts host + port + account + container', () => {
    const r = checkModelUri(`http://127.0.0.1:10000/devstoreaccount1/cv-backups/${NAME}`, policy);
    expect(r).toMatchObject({
      ok: true,
      location: { blobName: `${P} - ${I}.ONNX`, url: `http://127.0.0.1:10000/devstoreaccount1/cv-backups/${NAME}` },
    });
  });

  it.each([
    ['another port', `http://127.0.0.1:10001/devstoreaccount1/cv-backups/${NAME}`],
    ['another account on the same host', `http://127.0.0.1:10000/otheraccount/cv-backups/${NAME}`],
    ['the replica account', `http://127.0.0.1:10000/devstoreaccount2/cv-replica/${NAME}`],
    ['the same path on evil.com', `https://evil.com/devstoreaccount1/cv-backups/${NAME}`],
    ['the same path on evil.com with the port', `http://evil.com:10000/devstoreaccount1/cv-backups/${NAME}`],
    ['https instead of http', `https://127.0.0.1:10000/devstoreaccount1/cv-backups/${NAME}`],
    ['localhost instead of 127.0.0.1', `http://localhost:10000/devstoreaccount1/cv-backups/${NAME}`],
    ['another container', `http://127.0.0.1:10000/devstoreaccount1/other/${NAME}`],
  ])('rejects %s', (_label, uri) => {
    expect(checkModelUri(uri, policy).ok).toBe(false);
  });
});

describe('container URL settings', () => {
  it.each([
    ['http on a public host', 'http://acct.blob.core.windows.net/c1c'],
    ['no container', 'https://acct.blob.core.windows.net/'],
    ['a blob path', 'https://acct.blob.core.windows.net/cont/blob'],
    ['an invalid container name', 'https://acct.blob.core.windows.net/Bad_Name'],
    ['not a URL', 'acct/container'],
  ])('refuses %s, naming the setting', (_label, url) => {
    expect(() => createModelUriPolicy({ backupContainerUrl: url })).toThrow(/CV_BACKUP_CONTAINER_URL/);
  });

  it('ignores a SAS on the configured URL and a trailing slash', () => {
    expect(parseContainerUrl('https://Acct.blob.core.windows.net/cont/?sv=1&sig=x')).toMatchObject({
      hostname: 'acct.blob.core.windows.net',
      container: 'cont',
      url: 'https://acct.blob.core.windows.net/cont',
    });
  });

  it('an empty replica setting means no replica', () => {
    expect(
      createModelUriPolicy({ backupContainerUrl: 'https://a.blob.core.windows.net/cont', replicaContainerUrl: ' ' })
        .replica,
    ).toBeUndefined();
  });
});

describe('blobLocationWithoutSas', () => {
  it.each([
    ['https://a.blob.core.windows.net/c/b%20c?sv=1&sig=s#frag', 'https://a.blob.core.windows.net/c/b%20c'],
    ['http://127.0.0.1:10000/devstoreaccount1/c/b?sig=s', 'http://127.0.0.1:10000/devstoreaccount1/c/b'],
    ['not a url?sig=s', ''],
    ['javascript:alert(1)', ''],
  ])('%s → %s', (input, out) => {
    expect(blobLocationWithoutSas(input)).toBe(out);
  });
});
