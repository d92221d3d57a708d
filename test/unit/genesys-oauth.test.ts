import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FailureType } from '../../model/failures';
import { GenesysOAuthTokens, type GenesysOAuthOptions } from '../../wfm/genesys/oauth';
import { waitUntil } from '../support/wait-until';

const CLIENT_ID = 'c0ffee00-1111-2222-3333-444455556666';
const SECRET = 'Sup3r-s3cret_client-secret-XYZ';
const BASIC = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
const T0 = Date.parse('2026-11-27T10:00:00Z');

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** A login server on a free port that answers as the test says and records every request it got. */
async function loginServer(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      answer(req, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, seen, close };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const tokenFor = (n: number) => `tok-${n}-abcdefghijklmnop`;
const grant = (res: ServerResponse, n: number, expiresIn = 3600) =>
  json(res, 200, { access_token: tokenFor(n), token_type: 'bearer', expires_in: expiresIn });

function failureOf(p: Promise<unknown>): Promise<{ type?: string; message: string; nonRetryable?: boolean }> {
  return p.then(
    () => {
      throw new Error('expected the token request to fail');
    },
    (err: { type?: string; message: string; nonRetryable?: boolean }) => err,
  );
}

describe('Genesys OAuth client-credentials tokens', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  async function serve(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
    const server = await loginServer(answer);
    servers.push(server);
    return server;
  }
  let now = T0;
  beforeEach(() => {
    now = T0;
  });
  const source = (loginBaseUrl: string, options: Partial<GenesysOAuthOptions> = {}) =>
    new GenesysOAuthTokens({
      loginBaseUrl,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      nowMs: () => now,
      ...options,
    });

  it('asks POST /oauth/token with Basic credentials and a form-encoded client_credentials grant', async () => {
    const server = await serve((_req, res, n) => grant(res, n));
    await expect(source(`${server.url}/`).token()).resolves.toBe(tokenFor(1));
    expect(server.seen).toEqual([
      {
        method: 'POST',
        url: '/oauth/token',
        authorization: `Basic ${BASIC}`,
        contentType: 'application/x-www-form-urlencoded',
        body: 'grant_type=client_credentials',
      },
    ]);
  });

  it('keeps the token until 60 s before it expires, then asks again', async () => {
    const server = await serve((_req, res, n) => grant(res, n, 3600));
    const tokens = source(server.url);
    expect(await tokens.token()).toBe(tokenFor(1));
    now = T0 + 3539_000;
    expect(await tokens.token()).toBe(tokenFor(1));
    now = T0 + 3540_000;
    expect(await tokens.token()).toBe(tokenFor(2));
    expect(server.seen).toHaveLength(2);
  });

  it('renews a short-lived token 10 % of its lifetime early, not 60 s', async () => {
    const server = await serve((_req, res, n) => grant(res, n, 300));
    const tokens = source(server.url);
    await tokens.token();
    now = T0 + 269_000;
    expect(await tokens.token()).toBe(tokenFor(1));
    now = T0 + 270_000;
    expect(await tokens.token()).toBe(tokenFor(2));
  });

  it('renew() gets a new token even when the cached one has not expired', async () => {
    const server = await serve((_req, res, n) => grant(res, n));
    const tokens = source(server.url);
    expect(await tokens.token()).toBe(tokenFor(1));
    expect(await tokens.renew()).toBe(tokenFor(2));
    expect(await tokens.token()).toBe(tokenFor(2));
    expect(server.seen).toHaveLength(2);
  });

  it('tells onRenewal why each token after the first was asked for: expiry or refused, once per request', async () => {
    const server = await serve((_req, res, n) => grant(res, n, 3600));
    const renewals: string[] = [];
    const tokens = source(server.url, { onRenewal: (reason) => renewals.push(reason) });
    await tokens.token();
    expect(renewals).toEqual([]);
    now = T0 + 3540_000;
    await tokens.token();
    await Promise.all([tokens.renew(), tokens.renew(), tokens.token()]);
    expect(renewals).toEqual(['expiry', 'refused']);
    expect(server.seen).toHaveLength(3);
  });

  it('makes one request for many callers waiting at once, renew() included', async () => {
    const pending: Array<() => void> = [];
    const server = await serve((_req, res, n) => pending.push(() => grant(res, n)));
    const tokens = source(server.url);
    const waiting = [...Array.from({ length: 20 }, () => tokens.token()), tokens.renew()];
    await waitUntil('the login server has the request', () => server.seen.length === 1, 5000, 10);
    for (const release of pending) release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set([tokenFor(1)]));
    expect(server.seen).toHaveLength(1);
  });

  it('does not keep a failure: the next call asks again', async () => {
    const server = await serve((_req, res, n) =>
      n === 1 ? json(res, 503, { code: 'service.unavailable', message: 'down' }) : grant(res, n),
    );
    const tokens = source(server.url);
    const failure = await failureOf(tokens.token());
    expect(failure.type).toBe(FailureType.Transient);
    expect(failure.nonRetryable).toBeFalsy();
    await expect(tokens.token()).resolves.toBe(tokenFor(2));
  });

  it('retries a 429 from the login server as Transient after its Retry-After', async () => {
    const server = await serve((_req, res) =>
      json(res, 429, { code: 'too.many.requests.retry.after', message: 'slow down' }, { 'retry-after': '7' }),
    );
    const failure = (await failureOf(source(server.url).token())) as {
      type?: string;
      nextRetryDelay?: unknown;
    };
    expect(failure.type).toBe(FailureType.Transient);
    expect(failure.nextRetryDelay).toBe(7000);
  });

  it('fails refused credentials as Unauthorized, never showing the secret, even when the server echoes it', async () => {
    const server = await serve((req, res) =>
      json(res, 401, {
        error: 'invalid_client',
        description: `client ${CLIENT_ID} with secret ${SECRET} refused; you sent ${req.headers.authorization}`,
      }),
    );
    const failure = await failureOf(source(server.url).token());
    expect(failure.type).toBe(FailureType.Unauthorized);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('401');
    expect(failure.message).toContain('invalid_client');
    expect(failure.message).not.toContain(SECRET);
    expect(failure.message).not.toContain(BASIC);
  });

  it('refuses a token answer without expires_in, naming the field and not showing the token', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, { access_token: tokenFor(1), token_type: 'bearer' }),
    );
    const failure = await failureOf(source(server.url).token());
    expect(failure.type).toBe(FailureType.ProtocolViolation);
    expect(failure.message).toMatch(/expires_in/);
    expect(failure.message).not.toContain(tokenFor(1));
  });

  it('refuses a token type other than bearer without showing the token', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, { access_token: tokenFor(1), token_type: `mac ${tokenFor(1)}`, expires_in: 60 }),
    );
    const failure = await failureOf(source(server.url).token());
    expect(failure.type).toBe(FailureType.ProtocolViolation);
    expect(failure.message).toMatch(/not bearer/);
    expect(failure.message).not.toContain(tokenFor(1));
  });

  it('refuses a token that could not go into a header', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, { access_token: 'abc\r\nx-injected: 1', token_type: 'bearer', expires_in: 60 }),
    );
    const failure = await failureOf(source(server.url).token());
    expect(failure.type).toBe(FailureType.ProtocolViolation);
    expect(failure.message).toMatch(/access_token: must be printable ASCII/);
  });

  it('does not follow a redirect with the client credentials', async () => {
    const elsewhere = await serve((_req, res, n) => grant(res, n));
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/oauth/token` });
      res.end();
    });
    const failure = await failureOf(source(server.url).token());
    expect(failure.type).toBe(FailureType.ProtocolViolation);
    expect(failure.message).toMatch(/307 redirect/);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('stops reading an answer larger than maxResponseBytes', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"access_token":"${'x'.repeat(100_000)}","token_type":"bearer","expires_in":60}`);
    });
    const failure = await failureOf(source(server.url, { maxResponseBytes: 10_000 }).token());
    expect(failure.type).toBe(FailureType.ProtocolViolation);
    expect(failure.message).toMatch(/larger than 10000 bytes/);
  });

  it('times out a login server that does not answer', async () => {
    const server = await serve(() => undefined);
    const failure = await failureOf(source(server.url, { requestTimeoutMs: 200 }).token());
    // Retried, not stuck. (The wording is classifyNetworkFailure's.)
    expect(failure.type).toBe(FailureType.Transient);
    expect(failure.nonRetryable).toBeFalsy();
    expect(failure.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token: WFM not answering: no answer from 127\.0\.0\.1:\d+ in time/,
    );
  });

  it('refuses credentials Basic auth cannot carry, and bad numbers', () => {
    const base = { loginBaseUrl: 'http://127.0.0.1:1', clientId: CLIENT_ID, clientSecret: SECRET };
    expect(() => new GenesysOAuthTokens({ ...base, clientId: 'a:b' })).toThrow(/must not contain ":"/);
    expect(() => new GenesysOAuthTokens({ ...base, clientSecret: '' })).toThrow(/clientSecret/);
    expect(() => new GenesysOAuthTokens({ ...base, renewBeforeExpiryMs: -1 })).toThrow(
      /`renewBeforeExpiryMs` to be a finite number >= 0, got -1/,
    );
  });
});
