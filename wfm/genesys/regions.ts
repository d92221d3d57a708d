/**
 * Genesys Cloud regions and their domains, as the official SDKs list them (`PureCloudRegionHosts`). The API lives at
 * `https://api.<domain>`, the OAuth login at `https://login.<domain>`. Keys are AWS-style region names; the SDKs
 * spell them with underscores (`ap_southeast_1`), which `genesysEndpoints` accepts too.
 */
export const GENESYS_REGION_DOMAINS = {
  'us-east-1': 'mypurecloud.com',
  'us-east-2': 'use2.us-gov-pure.cloud', // US FedRAMP
  'us-west-2': 'usw2.pure.cloud',
  'ca-central-1': 'cac1.pure.cloud',
  'sa-east-1': 'sae1.pure.cloud',
  'mx-central-1': 'mxc1.pure.cloud',
  'eu-west-1': 'mypurecloud.ie',
  'eu-west-2': 'euw2.pure.cloud',
  'eu-central-1': 'mypurecloud.de',
  'eu-central-2': 'euc2.pure.cloud',
  'eusc-de-east-1': 'edee1.eusc-pure.cloud', // EU sovereign cloud
  'me-central-1': 'mec1.pure.cloud',
  'ap-south-1': 'aps1.pure.cloud',
  'ap-southeast-1': 'apse1.pure.cloud',
  'ap-southeast-2': 'mypurecloud.com.au',
  'ap-northeast-1': 'mypurecloud.jp',
  'ap-northeast-2': 'apne2.pure.cloud',
  'ap-northeast-3': 'apne3.pure.cloud',
} as const satisfies Record<string, string>;

export type GenesysRegion = keyof typeof GENESYS_REGION_DOMAINS;

export const GENESYS_REGIONS = Object.keys(GENESYS_REGION_DOMAINS) as GenesysRegion[];

/** Where the adapter finds Genesys Cloud: a known region, or explicit URLs (a proxy, the local simulator). */
export interface GenesysEndpointOptions {
  /** A region name such as `ap-southeast-1` (or the SDK spelling `ap_southeast_1`). Excludes the URLs. */
  region?: string;
  /** The API base URL, e.g. `http://127.0.0.1:4020`; paths such as `/api/v2/...` are appended. Needs `loginUrl`. */
  baseUrl?: string;
  /** The OAuth base URL; `/oauth/token` is appended. Needs `baseUrl`. */
  loginUrl?: string;
}

export interface GenesysEndpoints {
  /** No trailing slash. */
  apiBaseUrl: string;
  /** No trailing slash. */
  loginBaseUrl: string;
}

/** The API and login base URLs for a region or explicit URLs; throws an Error that says what to set instead. */
export function genesysEndpoints({ region, baseUrl, loginUrl }: GenesysEndpointOptions): GenesysEndpoints {
  const urls = baseUrl !== undefined || loginUrl !== undefined;
  if (region !== undefined && urls)
    throw new Error(
      'Genesys Cloud: set either a region or baseUrl + loginUrl, not both (the region already names both hosts)',
    );
  if (region !== undefined) return regionEndpoints(region);
  if (baseUrl === undefined || loginUrl === undefined) {
    if (!urls)
      throw new Error(
        `Genesys Cloud: set a region (one of ${GENESYS_REGIONS.join(', ')}) or baseUrl + loginUrl`,
      );
    throw new Error(
      `Genesys Cloud: baseUrl and loginUrl go together; ${baseUrl === undefined ? 'baseUrl' : 'loginUrl'} is missing`,
    );
  }
  return { apiBaseUrl: baseOf('baseUrl', baseUrl), loginBaseUrl: baseOf('loginUrl', loginUrl) };
}

function regionEndpoints(region: string): GenesysEndpoints {
  const key = region.trim().toLowerCase().replaceAll('_', '-');
  if (!isRegion(key))
    throw new Error(
      `Genesys Cloud: unknown region ${JSON.stringify(region)}; known regions: ${GENESYS_REGIONS.join(', ')}`,
    );
  const domain = GENESYS_REGION_DOMAINS[key];
  return { apiBaseUrl: `https://api.${domain}`, loginBaseUrl: `https://login.${domain}` };
}

function isRegion(key: string): key is GenesysRegion {
  return Object.hasOwn(GENESYS_REGION_DOMAINS, key);
}

/**
 * An explicit base URL, checked: http(s) only, and no credentials in it (URLs are printed and logged; the OAuth
 * client secret has its own option).
 */
function baseOf(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is not echoed: a mistyped URL may still hold a credential.
    throw new Error(`Genesys Cloud: ${name} must be an http(s) URL such as https://api.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`Genesys Cloud: ${name} must be an http(s) URL, got ${url.protocol} URL`);
  if (url.username || url.password)
    throw new Error(`Genesys Cloud: ${name} must not carry credentials (user:password@)`);
  if (url.search || url.hash)
    throw new Error(`Genesys Cloud: ${name} must not have a query or fragment (paths are appended to it)`);
  return url.href.replace(/\/+$/, '');
}
