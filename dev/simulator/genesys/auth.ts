import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SimRateLimiter } from '../rate-limiter';
import { GenesysError } from './errors';
import type { GenesysSimulatorOptions } from './options';

/** Who a valid bearer token stands for. */
export interface Caller {
  token: string;
  clientId: string;
  permissions: string[];
}

interface IssuedToken extends Caller {
  expiresAtMs: number;
}

/** The answer of the login host, or an OAuth-style refusal (`{ error, description }`, §4). */
export type TokenAnswer =
  | { status: 200; body: { access_token: string; token_type: 'bearer'; expires_in: number } }
  | { status: 400 | 401; body: { error: string; description: string } };

/**
 * The login host's client-credentials grant and the API's bearer check (§4, §7.1-2), plus one rate-limit bucket per
 * token (§3: the limit is per token, so a new token starts with a full budget).
 */
export class TokenAuthority {
  readonly issued = new Map<string, IssuedToken>();
  private readonly limiters = new Map<string, SimRateLimiter>();

  constructor(
    private readonly options: () => GenesysSimulatorOptions,
    private readonly now: () => Date,
  ) {}

  /** `POST /oauth/token`: Basic client id and secret, form body `grant_type=client_credentials`. */
  issue(authorization: string | undefined, form: URLSearchParams): TokenAnswer {
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '')?.[1];
    const [id, secret] = basic ? splitOnce(Buffer.from(basic, 'base64').toString('utf8'), ':') : [];
    const client = this.options().clients.find((c) => c.id === id && c.secret === secret);
    if (!client) return { status: 401, body: { error: 'invalid_client', description: 'client not found' } };
    if (form.get('grant_type') !== 'client_credentials')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', description: 'grant_type must be client_credentials' },
      };
    const lifetime = this.options().tokenLifetimeSeconds;
    const token = randomBytes(24).toString('base64url');
    this.issued.set(token, {
      token,
      clientId: client.id,
      permissions: client.permissions,
      expiresAtMs: this.now().getTime() + lifetime * 1000,
    });
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: lifetime } };
  }

  /** The caller of an API request, or the 401 Genesys answers (§2 codes). */
  authenticate(req: IncomingMessage): Caller {
    const header = req.headers.authorization;
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!token)
      throw new GenesysError(
        401,
        'authentication.required',
        'No authentication bearer token specified in authorization header.',
      );
    const issued = this.issued.get(token);
    if (!issued) throw new GenesysError(401, 'bad.credentials', 'Invalid login credentials.');
    if (issued.expiresAtMs <= this.now().getTime())
      throw new GenesysError(
        401,
        'credentials.expired',
        'The supplied credentials are expired and cannot be used.',
      );
    return issued;
  }

  /** 403 `missing.permissions` unless the caller holds `permission`. */
  require(caller: Caller, permission: string): void {
    if (!caller.permissions.includes(permission))
      throw new GenesysError(
        403,
        'missing.permissions',
        `Unable to perform the requested action. You are missing the following permission(s): [${permission}]`,
        [{ errorCode: 'missing.permissions', entityName: permission }],
      );
  }

  /** Takes one request from the token's bucket; 429 with `Retry-After` and the normalised body when empty (§3). */
  admit(caller: Caller, forceRefusal: boolean): Record<string, string> {
    const o = this.options();
    if (o.rateLimitPerMinute === 0 && !forceRefusal) return {};
    const nowMs = this.now().getTime();
    const admission =
      o.rateLimitPerMinute === 0
        ? { ok: true as const, headers: {} }
        : this.limiter(caller.token).admit(nowMs);
    if (admission.ok && !forceRefusal) return admission.headers;
    const seconds = o.retryAfterSeconds ?? (admission.ok ? 1 : admission.retryAfterSeconds);
    const { 'retry-after': _limiterRetryAfter, ...headers } = admission.headers;
    throw new GenesysError(
      429,
      'too.many.requests.retry.after',
      `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
      [],
      { ...headers, 'Retry-After': String(seconds) },
    );
  }

  /** Forget the buckets (when the limit changes while running). */
  resetLimits(): void {
    this.limiters.clear();
  }

  private limiter(token: string): SimRateLimiter {
    let limiter = this.limiters.get(token);
    if (!limiter) {
      const perMinute = this.options().rateLimitPerMinute;
      // A bucket of one minute's budget refilling continuously approximates Genesys' per-minute window.
      limiter = new SimRateLimiter({
        ratePerSecond: perMinute / 60,
        burst: perMinute,
        headers: this.options().legacyRateLimitHeaders ? 'genesys-legacy' : 'none',
      });
      this.limiters.set(token, limiter);
    }
    return limiter;
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
