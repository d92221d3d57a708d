import { isNonPublicAddress, OutboundPolicy, uploadHeaders } from '../../wfm/url-policy';

/** Names resolved without DNS: the tests decide where each name points. */
const names: Record<string, string[]> = {
  'fileupload.apse1.pure.cloud': ['52.1.2.3'],
  'streaming.apse1.pure.cloud': ['52.1.2.4'],
  'rebound.apse1.pure.cloud': ['169.254.169.254'],
  'inside.apse1.pure.cloud': ['52.1.2.5', '10.0.0.7'],
  'hooks.example.com': ['93.184.216.34'],
  'intranet.example.com': ['192.168.1.20'],
};
const resolve = async (hostname: string) => {
  const found = names[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
};

const region = () =>
  new OutboundPolicy({
    ownUrls: ['https://api.apse1.pure.cloud', 'https://login.apse1.pure.cloud'],
    allowedHosts: ['*.apse1.pure.cloud'],
    resolve,
  });

const reasonOf = async (policy: OutboundPolicy, url: string, secure?: 'https:' | 'wss:') => {
  const checked = await policy.check(url, secure);
  return checked.ok ? 'ok' : checked.reason;
};

describe('the outbound URL policy', () => {
  it('follows the region’s own hosts over https and wss', async () => {
    const policy = region();
    expect(await reasonOf(policy, 'https://fileupload.apse1.pure.cloud/u/1?X-Amz-Signature=s')).toBe('ok');
    expect(await reasonOf(policy, 'wss://streaming.apse1.pure.cloud/channels/c1', 'wss:')).toBe('ok');
    expect(await reasonOf(policy, 'https://api.apse1.pure.cloud/api/v2/x')).toBe('ok');
  });

  it('refuses a downgrade to http:// or ws:// when the WFM is https, unless WFM_ALLOW_INSECURE_HTTP', async () => {
    expect(await reasonOf(region(), 'http://fileupload.apse1.pure.cloud/u/1')).toMatch(
      /http:\/\/ to fileupload\.apse1\.pure\.cloud would cross the network unencrypted/,
    );
    expect(await reasonOf(region(), 'ws://streaming.apse1.pure.cloud/channels/c1', 'wss:')).toMatch(
      /unencrypted/,
    );
    expect(await reasonOf(region(), 'http://api.apse1.pure.cloud/x')).toMatch(/unencrypted/);
    const insecure = new OutboundPolicy({
      ownUrls: ['https://api.apse1.pure.cloud'],
      allowedHosts: ['*.apse1.pure.cloud'],
      allowInsecureHttp: true,
      resolve,
    });
    expect(await reasonOf(insecure, 'http://fileupload.apse1.pure.cloud/u/1')).toBe('ok');
    expect(await reasonOf(region(), 'ftp://fileupload.apse1.pure.cloud/u/1')).toMatch(/ftp:\/\/ URL/);
  });

  it('refuses credentials in a URL, naming the host but not the credentials or the query', async () => {
    const reason = await reasonOf(region(), 'https://user:s3cret@fileupload.apse1.pure.cloud/u?sig=abc');
    expect(reason).toMatch(/carries credentials \(user:password@fileupload\.apse1\.pure\.cloud\)/);
    expect(reason).not.toMatch(/s3cret|sig=abc/);
  });

  it('refuses hosts off the list, also on this machine and on another port of the WFM’s own host', async () => {
    expect(await reasonOf(region(), 'https://evil.example.com/u')).toMatch(
      /host evil\.example\.com is not one of the WFM's hosts \(api\.apse1\.pure\.cloud:443, login\.apse1\.pure\.cloud:443, \*\.apse1\.pure\.cloud\); GENESYS_STORAGE_HOSTS adds hosts/,
    );
    expect(await reasonOf(region(), 'https://api.apse1.pure.cloud:8443/u')).toMatch(/not one of/);
    expect(await reasonOf(region(), 'https://apse1.pure.cloud.evil.com/u')).toMatch(/not one of/);
    const sim = new OutboundPolicy({ ownUrls: ['http://127.0.0.1:4020'], allowedHosts: [], resolve });
    expect(await reasonOf(sim, 'http://127.0.0.1:4020/_storage/uploads/1')).toBe('ok');
    expect(await reasonOf(sim, 'ws://127.0.0.1:4020/channels/1', 'wss:')).toBe('ok');
    expect(await reasonOf(sim, 'http://127.0.0.1:4021/_storage/uploads/1')).toMatch(
      /host 127\.0\.0\.1:4021 is not one of the WFM's hosts \(127\.0\.0\.1:4020\)/,
    );
    const widened = new OutboundPolicy({
      ownUrls: ['https://api.apse1.pure.cloud'],
      allowedHosts: ['*.apse1.pure.cloud', 'uploads.s3.amazonaws.com', 'files.example.net:8443'],
      resolve: async () => ['52.9.9.9'],
    });
    expect(await reasonOf(widened, 'https://uploads.s3.amazonaws.com/k')).toBe('ok');
    expect(await reasonOf(widened, 'https://files.example.net:8443/k')).toBe('ok');
    expect(await reasonOf(widened, 'https://files.example.net/k')).toMatch(/not one of/);
  });

  it('refuses loopback, link-local and private addresses, as literals or by resolution, unless allowed', async () => {
    const notify = new OutboundPolicy({ resolve, widenWith: 'the notify URL' });
    for (const url of [
      'https://169.254.169.254/latest/meta-data/',
      'https://127.0.0.1:8080/x',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[::ffff:a9fe:a9fe]/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.0.10/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://0.0.0.0/x',
      'https://localhost:3000/x',
      'https://intranet.example.com/x',
    ])
      expect({ url, reason: await reasonOf(notify, url) }).toEqual({
        url,
        reason: expect.stringMatching(/not a public address \(WFM_ALLOW_PRIVATE_HOSTS=true allows it\)/),
      });
    expect(await reasonOf(notify, 'https://hooks.example.com/x')).toBe('ok');
    expect(await reasonOf(notify, 'https://93.184.216.34/x')).toBe('ok');
    // A name of the allowed domain that resolves inside: refused all the same (any of its addresses).
    expect(await reasonOf(region(), 'https://rebound.apse1.pure.cloud/u')).toMatch(/at 169\.254\.169\.254/);
    expect(await reasonOf(region(), 'https://inside.apse1.pure.cloud/u')).toMatch(/at 10\.0\.0\.7/);
    const allowed = new OutboundPolicy({ allowPrivateHosts: true, resolve });
    expect(await reasonOf(allowed, 'https://intranet.example.com/x')).toBe('ok');
    // On this machine with private hosts allowed, plain http is fine (it never crosses a network).
    expect(await reasonOf(allowed, 'http://127.0.0.1:9/x')).toBe('ok');
    expect(await reasonOf(allowed, 'http://intranet.example.com/x')).toMatch(/unencrypted/);
  });

  it('turns a refusal into a non-retryable Rejected failure naming the host, not the query', async () => {
    const failure = await region()
      .require('upload of schedule s-1', 'https://evil.example.com/u?X-Amz-Signature=secret')
      .catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: 'Rejected', nonRetryable: true });
    expect((failure as Error).message).toMatch(
      /^upload of schedule s-1: refused by the outbound policy: host evil/,
    );
    expect((failure as Error).message).not.toContain('secret');
  });

  it('forwards only the headers a signed upload needs', () => {
    expect(
      uploadHeaders({
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'x-amz-server-side-encryption': 'AES256',
        'x-amz-meta-owner': 'wfm',
        'x-ms-blob-type': 'BlockBlob',
        cookie: 'session=1',
        Authorization: 'Bearer x',
        Host: 'metadata.internal',
        'x-aws-ec2-metadata-token-ttl-seconds': '21600',
        'x-amz-security-token': 'token',
        'X-Forwarded-For': '127.0.0.1',
        'Proxy-Authorization': 'Basic x',
      }),
    ).toEqual({
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      'x-amz-server-side-encryption': 'AES256',
      'x-amz-meta-owner': 'wfm',
      'x-ms-blob-type': 'BlockBlob',
    });
  });

  it('knows which addresses are not public', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '100.64.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ])
      expect({ a, inside: isNonPublicAddress(a) }).toEqual({ a, inside: true });
    for (const a of ['8.8.8.8', '52.1.2.3', '2606:4700::1111'])
      expect({ a, inside: isNonPublicAddress(a) }).toEqual({ a, inside: false });
  });
});
