import { publicOrigin } from '../../src/http/publicUrl';

describe('publicOrigin (WEBSITE_HOSTNAME)', () => {
  test.each([
    ['my-app.azurewebsites.net', 'https://my-app.azurewebsites.net'],
    ['My-App.AzureWebsites.net', 'https://my-app.azurewebsites.net'],
    ['127.0.0.1:7071', 'http://127.0.0.1:7071'],
    ['localhost:7071', 'http://localhost:7071'],
    ['[::1]:7071', 'http://[::1]:7071'],
    ['dr.example.com:8443', 'https://dr.example.com:8443'],
  ])('%s → %s', (value, origin) => {
    expect(publicOrigin({ WEBSITE_HOSTNAME: value })).toBe(origin);
  });

  test.each([
    [undefined],
    [''],
    ['0.0.0.0'],
    ['0.0.0.0:7071'],
    ['evil.example/path'],
    ['user@evil.example'],
    ['evil.example?x=1'],
    ['a b'],
    ['host:99999'],
    ['-bad.example'],
  ])('%s → undefined (relative URLs)', (value) => {
    expect(publicOrigin({ WEBSITE_HOSTNAME: value })).toBeUndefined();
  });
});
