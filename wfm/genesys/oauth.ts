import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from '../../model/failures';
import { classifyHttpFailure, classifyNetworkFailure, protocolViolation, serverMessage } from '../failures';
import { retryAfterMs } from '../rate/rate-limit-headers';
import { cleanServerText } from '../server-text';
import type { TokenSource } from '../tokens';
import { readTextCapped, unusableAnswer } from '../http-body';

export interface GenesysOAuthOptions {
  /** The login base URL, e.g. `https://login.apse1.pure.cloud` (see `genesysEndpoints`); `/oauth/token` is appended. */
  loginBaseUrl: string;
  /** The OAuth client's id (client-credentials grant). */
  clientId: string;
  /** The OAuth client's secret. Never logged, never part of an error message. */
  clientSecret: string;
  /**
   * How long before its expiry a token is replaced, in ms; at most 10 % of the token's lifetime, so a short-lived
   * token is still used for most of its life. Default 60,000.
   */
  renewBeforeExpiryMs?: number;
  /** Per token request, in ms. Default 15,000. */
  requestTimeoutMs?: number;
  /** The largest token response read, in bytes; a larger one fails the request. Default 65,536. */
  maxResponseBytes?: number;
  /** The clock tokens expire by, in epoch ms; injected by tests. Default `Date.now`. */
  nowMs?: () => number;
  /** Sent as User-Agent. Default `wfm-push`. */
  userAgent?: string;
  /** Told of each token requested after the first: the cached one was due (`expiry`) or refused (`refused`). */
  onRenewal?: (reason: 'expiry' | 'refused') => void;
}

/**
 * The token endpoint's answer. `access_token` must be printable ASCII without spaces: it goes into an
 * `Authorization` header, where anything else would be refused by fetch or split the header.
 */
const tokenResponseSchema = z.looseObject({
  access_token: z.string().regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

/**
 * Bearer tokens for the Genesys Cloud API by the OAuth client-credentials grant (there is no refresh token for this
 * grant: a new token is simply requested). The token is kept until shortly before it expires; every caller waiting
 * for a token shares one request, so a worker's many activities starting at once cost the login server one call.
 */
export class GenesysOAuthTokens implements TokenSource {
  private readonly tokenUrl: string;
  private readonly basicCredentials: string;
  private readonly renewBeforeExpiryMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly nowMs: () => number;
  private readonly userAgent: string;
  private cached: { token: string; renewAtMs: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly options: GenesysOAuthOptions) {
    // Basic auth cannot carry a ':' in the user part; an empty credential is a configuration mistake.
    if (options.clientId === '' || options.clientId.includes(':'))
      throw new Error('Genesys OAuth: clientId must be non-empty and must not contain ":"');
    if (options.clientSecret === '') throw new Error('Genesys OAuth: clientSecret must be non-empty');
    this.renewBeforeExpiryMs = nonNegative('renewBeforeExpiryMs', options.renewBeforeExpiryMs, 60_000);
    this.requestTimeoutMs = nonNegative('requestTimeoutMs', options.requestTimeoutMs, 15_000);
    this.maxResponseBytes = nonNegative('maxResponseBytes', options.maxResponseBytes, 64 * 1024);
    this.nowMs = options.nowMs ?? Date.now;
    this.userAgent = options.userAgent ?? 'wfm-push';
    this.tokenUrl = `${options.loginBaseUrl.replace(/\/+$/, '')}/oauth/token`;
    // As the Genesys SDKs build it: base64(id:secret), without form-encoding the parts first.
    this.basicCredentials = Buffer.from(`${options.clientId}:${options.clientSecret}`, 'utf8').toString(
      'base64',
    );
  }

  async token(): Promise<string> {
    if (this.cached && this.nowMs() < this.cached.renewAtMs) return this.cached.token;
    return this.requestShared(this.cached ? 'expiry' : undefined);
  }

  /**
   * A new token, whatever is cached: the API refused the cached one (401 `credentials.expired`, `bad.credentials`).
   * A request already under way is shared rather than doubled.
   */
  async renew(): Promise<string> {
    this.cached = undefined;
    return this.requestShared('refused');
  }

  /** `renewal`: why a token after the first is requested (undefined for the first); a shared request counts once. */
  private requestShared(renewal?: 'expiry' | 'refused'): Promise<string> {
    if (!this.inFlight && renewal) this.options.onRenewal?.(renewal);
    this.inFlight ??= this.requestToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async requestToken(): Promise<string> {
    const what = `POST ${this.tokenUrl}`;
    // The lifetime counts from before the request: the server's clock started no earlier than this.
    const sentAtMs = this.nowMs();
    const secrets = [this.options.clientSecret, this.basicCredentials];
    let res: Response;
    let text: string | undefined;
    try {
      res = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${this.basicCredentials}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': this.userAgent,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
        // Following a redirect would send the client credentials to whatever host the answer names.
        redirect: 'manual',
      });
      text = await readTextCapped(res, this.maxResponseBytes);
    } catch (err) {
      throw classifyNetworkFailure(what, err, this.tokenUrl);
    }
    const unusable = unusableAnswer(
      what,
      res,
      text,
      this.maxResponseBytes,
      'it would carry the client credentials',
    );
    if (unusable || text === undefined) throw unusable;
    if (!res.ok) throw this.refusal(what, res, text, secrets);
    return this.accept(what, res, text, secrets, sentAtMs);
  }

  private refusal(what: string, res: Response, text: string, secrets: string[]): ApplicationFailure {
    // Rate limited at the login server: Transient, not RateLimited, because RateLimited means the rate-limit
    // deadline has passed (model/failures.ts) and is not retried; the token request is retried after Retry-After.
    if (res.status === 429)
      return ApplicationFailure.create({
        type: FailureType.Transient,
        message: `${what}: ${serverMessage(res.status, text, secrets)}`,
        details: [{ status: res.status }],
        nextRetryDelay: retryAfterMs(res.headers.get('retry-after'), this.nowMs()),
      });
    // Busy or down: retry later, as for any API call.
    if (res.status === 408 || res.status >= 500)
      return classifyHttpFailure(what, res.status, res.headers, text, this.nowMs(), secrets, this.tokenUrl);
    // Any other refusal (invalid_client, unauthorized_client, a wrong login URL) repeats until someone changes the
    // OAuth client or the settings; it must not pass for a version conflict or a bad schedule either.
    return ApplicationFailure.create({
      type: FailureType.Unauthorized,
      message: `${what}: ${serverMessage(res.status, text, secrets)} (the OAuth client got no token: check the client id, secret, its grant type and the region)`,
      nonRetryable: true,
      details: [{ status: res.status }],
    });
  }

  private accept(what: string, res: Response, text: string, secrets: string[], sentAtMs: number): string {
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(res.headers.get('content-type') ?? ''))
      throw protocolViolation(what, 'token answer is not JSON');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw protocolViolation(what, 'token answer is not JSON');
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      // zod's messages name the field and the expected type, never the value, so no token can leak through them.
      const list = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
      throw protocolViolation(what, `token answer is not valid (${list.join('; ')})`);
    }
    const { access_token: token, token_type: type, expires_in: expiresInSeconds } = parsed.data;
    if (type.toLowerCase() !== 'bearer')
      throw protocolViolation(
        what,
        `token_type is ${JSON.stringify(cleanServerText(type.slice(0, 40), [...secrets, token]))}, not bearer`,
      );
    const lifetimeMs = expiresInSeconds * 1000;
    const renewAtMs = sentAtMs + lifetimeMs - Math.min(this.renewBeforeExpiryMs, lifetimeMs * 0.1);
    this.cached = { token, renewAtMs };
    return token;
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`Genesys OAuth: expected \`${name}\` to be a finite number >= 0, got ${value}`);
  return value;
}
