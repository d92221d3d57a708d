import { gzipSync } from 'node:zlib';

/*
 * Plain HTTP calls against a running Genesys simulator, for its tests and the demo: the raw status, headers and
 * JSON, so a test sees exactly what a client would. Deliberately not an adapter.
 */

export interface RawAnswer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** `POST /oauth/token` with the client-credentials grant (§4). */
export async function requestToken(baseUrl: string, clientId: string, secret: string): Promise<RawAnswer> {
  return call(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

export async function accessToken(
  baseUrl: string,
  clientId = 'sim-client',
  secret = 'sim-secret',
): Promise<string> {
  const answer = await requestToken(baseUrl, clientId, secret);
  const token = (answer.json as { access_token?: string } | undefined)?.access_token;
  if (answer.status !== 200 || !token) throw new Error(`token: ${answer.status} ${answer.text}`);
  return token;
}

/** An API call with a bearer token and a JSON body. */
export function api(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawAnswer> {
  return call(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Steps 3-5 of the update flow (§1.1): gzip, ask for an upload URL, PUT with exactly its headers. */
export async function upload(
  baseUrl: string,
  token: string,
  schedulePath: string,
  update: unknown,
): Promise<{ uploadKey: string; put: RawAnswer }> {
  const gz = gzipSync(JSON.stringify(update));
  const issued = await api(baseUrl, token, 'POST', `${schedulePath}/update/uploadurl`, {
    contentLengthBytes: gz.length,
  });
  const { uploadKey, url, headers } = issued.json as {
    uploadKey: string;
    url: string;
    headers: Record<string, string>;
  };
  const put = await call(url, { method: 'PUT', headers, body: gz });
  return { uploadKey, put };
}

/** The whole update flow up to `POST .../update` (step 6), whose raw answer it returns. */
export async function pushUpdate(
  baseUrl: string,
  token: string,
  schedulePath: string,
  update: unknown,
): Promise<RawAnswer> {
  const { uploadKey, put } = await upload(baseUrl, token, schedulePath, update);
  if (put.status !== 200) throw new Error(`upload PUT: ${put.status} ${put.text}`);
  return api(baseUrl, token, 'POST', `${schedulePath}/update`, { uploadKey });
}
