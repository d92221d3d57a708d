import { GENESYS_REGIONS, genesysEndpoints } from '../../wfm/genesys/regions';

describe('Genesys Cloud endpoints', () => {
  it.each([
    ['us-east-1', 'mypurecloud.com'],
    ['us-east-2', 'use2.us-gov-pure.cloud'],
    ['us-west-2', 'usw2.pure.cloud'],
    ['ca-central-1', 'cac1.pure.cloud'],
    ['sa-east-1', 'sae1.pure.cloud'],
    ['mx-central-1', 'mxc1.pure.cloud'],
    ['eu-west-1', 'mypurecloud.ie'],
    ['eu-west-2', 'euw2.pure.cloud'],
    ['eu-central-1', 'mypurecloud.de'],
    ['eu-central-2', 'euc2.pure.cloud'],
    ['eusc-de-east-1', 'edee1.eusc-pure.cloud'],
    ['me-central-1', 'mec1.pure.cloud'],
    ['ap-south-1', 'aps1.pure.cloud'],
    ['ap-southeast-1', 'apse1.pure.cloud'],
    ['ap-southeast-2', 'mypurecloud.com.au'],
    ['ap-northeast-1', 'mypurecloud.jp'],
    ['ap-northeast-2', 'apne2.pure.cloud'],
    ['ap-northeast-3', 'apne3.pure.cloud'],
  ])('region %s is at api. and login.%s', (region, domain) => {
    expect(genesysEndpoints({ region })).toEqual({
      apiBaseUrl: `https://api.${domain}`,
      loginBaseUrl: `https://login.${domain}`,
    });
  });

  it('knows exactly the 18 regions of the SDK table', () => {
    expect(GENESYS_REGIONS).toHaveLength(18);
  });

  it('accepts the SDK spelling of a region name', () => {
    expect(genesysEndpoints({ region: 'ap_southeast_1' }).apiBaseUrl).toBe('https://api.apse1.pure.cloud');
  });

  it('names an unknown region and lists the known ones', () => {
    expect(() => genesysEndpoints({ region: 'mars-north-1' })).toThrow(
      /unknown region "mars-north-1"; known regions: us-east-1, .*ap-southeast-1, .*ap-northeast-3/,
    );
  });

  it('takes explicit URLs, without their trailing slash', () => {
    expect(
      genesysEndpoints({ baseUrl: 'http://127.0.0.1:4020/', loginUrl: 'http://127.0.0.1:4021' }),
    ).toEqual({
      apiBaseUrl: 'http://127.0.0.1:4020',
      loginBaseUrl: 'http://127.0.0.1:4021',
    });
    expect(
      genesysEndpoints({ baseUrl: 'https://proxy.example/genesys/', loginUrl: 'https://proxy.example/login' })
        .apiBaseUrl,
    ).toBe('https://proxy.example/genesys');
  });

  it.each([
    [{}, /set a region \(one of us-east-1, .*\) or baseUrl \+ loginUrl/],
    [{ region: 'us-east-1', baseUrl: 'https://a.example' }, /not both/],
    [{ baseUrl: 'https://a.example' }, /loginUrl is missing/],
    [{ loginUrl: 'https://a.example' }, /baseUrl is missing/],
    [{ baseUrl: 'api.example', loginUrl: 'https://a.example' }, /baseUrl must be an http\(s\) URL/],
    [{ baseUrl: 'ftp://api.example', loginUrl: 'https://a.example' }, /baseUrl must be an http\(s\) URL/],
    [{ baseUrl: 'https://a.example', loginUrl: 'https://id:secret@a.example' }, /loginUrl must not carry/],
    [{ baseUrl: 'https://a.example?x=1', loginUrl: 'https://a.example' }, /baseUrl must not have a query/],
  ])('refuses %j', (options, message) => {
    expect(() => genesysEndpoints(options)).toThrow(message);
  });

  it('never echoes credentials found in a URL', () => {
    expect(() =>
      genesysEndpoints({ baseUrl: 'https://a.example', loginUrl: 'https://id:hunter2@a.example' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
