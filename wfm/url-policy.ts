import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../model/failures';

/**
 * Where the worker may send a request whose URL someone else chose: a Genesys upload or download URL, the
 * notification channel's websocket, a push's notify URL. The WFM (or a client) hands these over, so it could point the
 * worker at its own cloud metadata service (169.254.169.254), a database on the worker's network, or plain http:// on
 * which anyone on the path reads the schedule or forges a notification. The WFM's own URLs (WFM_BASE_URL,
 * WFM_LOGIN_URL, a region's) are trusted as configured.
 */
export interface OutboundPolicyOptions {
  /** The WFM's own URLs: their exact host and port are allowed as configured, wherever they point. */
  ownUrls?: readonly string[];
  /**
   * Hosts allowed besides the own ones: `host` or `host:port` exactly, or `*.domain` (`.domain`) for any host under
   * it; without a port, only the scheme's default port. Undefined: any host (a notify URL), subject to the rest.
   */
  allowedHosts?: readonly string[];
  /** WFM_ALLOW_INSECURE_HTTP: http:// and ws:// to any allowed host. Default false. */
  allowInsecureHttp?: boolean;
  /** WFM_ALLOW_PRIVATE_HOSTS: loopback, link-local and private addresses too. Default false. */
  allowPrivateHosts?: boolean;
  /** The setting that widens the allowed hosts, named in refusals. Default `GENESYS_STORAGE_HOSTS`. */
  widenWith?: string;
  /** Resolves a host name to its addresses (all of them). Default `dns.lookup`; injected by tests. */
  resolve?: (hostname: string) => Promise<string[]>;
}

export type OutboundCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Addresses that are not the public internet: this host, its link, private networks, and the unroutable. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8],
  ['fd00:ec2::', 32], // AWS metadata over IPv6
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** True for an address that is loopback, link-local, private or otherwise not on the public internet. */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return NOT_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return false;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1) is that IPv4 address.
  const mapped = /^::ffff:(.+)$/i.exec(bare)?.[1];
  if (mapped) {
    if (isIP(mapped) === 4) return NOT_PUBLIC.check(mapped, 'ipv4');
    const [hi, lo] = mapped.split(':').map((h) => parseInt(h, 16));
    if (hi !== undefined && lo !== undefined && !Number.isNaN(hi) && !Number.isNaN(lo))
      return NOT_PUBLIC.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return NOT_PUBLIC.check(bare, 'ipv6');
}

const DEFAULT_PORT: Record<string, string> = { 'https:': '443', 'wss:': '443', 'http:': '80', 'ws:': '80' };
const PLAIN: Record<string, string> = { 'https:': 'http:', 'wss:': 'ws:' };

/**
 * The outbound policy: https/wss only, unless the host is one of the WFM's own plain-http ones (the simulator), on this
 * machine with private hosts allowed, or WFM_ALLOW_INSECURE_HTTP; never credentials in the URL; only the WFM's own
 * hosts and the allowed ones; and no loopback, link-local or private address (an IP literal, or a name resolving to
 * one) unless the WFM itself is there or WFM_ALLOW_PRIVATE_HOSTS. A refusal names the host, never the path or query
 * (a signed URL's query is its credential).
 */
export class OutboundPolicy {
  private readonly own: Map<string, string>;
  private readonly allowed: readonly string[] | undefined;
  private readonly resolve: (hostname: string) => Promise<string[]>;

  constructor(private readonly options: OutboundPolicyOptions = {}) {
    this.own = new Map(
      (options.ownUrls ?? []).map((u) => {
        const url = new URL(u);
        return [hostKey(url), url.protocol];
      }),
    );
    this.allowed = options.allowedHosts?.map((h) => h.trim().toLowerCase()).filter(Boolean);
    this.resolve =
      options.resolve ?? (async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address));
  }

  /** Whether `value` may be requested, for `secure` = `https:` (a request) or `wss:` (a websocket). */
  async check(value: string, secure: 'https:' | 'wss:' = 'https:'): Promise<OutboundCheck> {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { ok: false, reason: 'not a URL' };
    }
    const host = url.host;
    if (url.protocol !== secure && url.protocol !== PLAIN[secure])
      return { ok: false, reason: `${url.protocol}// URL (host ${host}); only ${secure}// is followed` };
    if (url.username || url.password)
      return { ok: false, reason: `the URL carries credentials (user:password@${host})` };
    const own = this.own.get(hostKey(url));
    const loopback = isLoopbackName(url.hostname);
    if (own === undefined && this.allowed && !this.allowed.some((pattern) => matches(pattern, url)))
      return {
        ok: false,
        reason: `host ${host} is not one of the WFM's hosts (${this.allowedList()}); ${this.options.widenWith ?? 'GENESYS_STORAGE_HOSTS'} adds hosts`,
      };
    if (
      url.protocol !== secure &&
      !this.options.allowInsecureHttp &&
      // The WFM itself speaks plain http (the simulator on this machine): its own host may too.
      !(own === 'http:' || own === 'ws:') &&
      !(loopback && this.options.allowPrivateHosts)
    )
      return {
        ok: false,
        reason: `${url.protocol}// to ${host} would cross the network unencrypted; only ${secure}// is followed (WFM_ALLOW_INSECURE_HTTP=true allows it)`,
      };
    if (own !== undefined) return { ok: true, url };
    if (this.options.allowPrivateHosts) return { ok: true, url };
    if (loopback) return { ok: false, reason: privateReason(host, 'this machine') };
    if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
      if (isNonPublicAddress(url.hostname)) return { ok: false, reason: privateReason(host, url.hostname) };
      return { ok: true, url };
    }
    let addresses: string[];
    try {
      addresses = await this.resolve(url.hostname);
    } catch {
      // Not resolvable now: the request itself fails as a network error, classified and retried like any other.
      return { ok: true, url };
    }
    const inside = addresses.find(isNonPublicAddress);
    if (inside !== undefined) return { ok: false, reason: privateReason(host, inside) };
    return { ok: true, url };
  }

  /** `check`, or a non-retryable `Rejected` failure of `what` naming the host (never the query). */
  async require(what: string, value: string, secure: 'https:' | 'wss:' = 'https:'): Promise<URL> {
    const checked = await this.check(value, secure);
    if (checked.ok) return checked.url;
    throw ApplicationFailure.create({
      type: FailureType.Rejected,
      nonRetryable: true,
      message: `${what}: refused by the outbound policy: ${checked.reason}`,
    });
  }

  private allowedList(): string {
    const hosts = [...this.own.keys(), ...(this.allowed ?? [])];
    return hosts.length > 0 ? hosts.join(', ') : 'none';
  }
}

/**
 * The headers a signed upload may carry, of those the WFM handed out with its URL: the content's own (type,
 * encoding, MD5, disposition, cache) and the storage's signed ones (`x-amz-*`, `x-ms-*`, `x-goog-*`). Anything else
 * (`cookie`, `authorization`, `host`, `x-aws-ec2-metadata-token-ttl-seconds`, proxy or forwarding headers) is dropped:
 * the WFM does not get to choose what the worker tells another host.
 */
export function uploadHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => isUploadHeader(name)));
}

const UPLOAD_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-md5',
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
]);

function isUploadHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (UPLOAD_HEADERS.has(lower)) return true;
  // The signed headers of S3, Azure Blob and Google Cloud Storage, but never a credential of the worker's host.
  return /^x-(amz|ms|goog)-[a-z0-9-]+$/.test(lower) && !/(security-token|credential)/.test(lower);
}

function hostKey(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port || DEFAULT_PORT[url.protocol] || ''}`;
}

function matches(pattern: string, url: URL): boolean {
  const [name, port] = pattern.split(/:(?=\d+$)/);
  if (!name) return false;
  if ((port ?? DEFAULT_PORT[url.protocol]) !== (url.port || DEFAULT_PORT[url.protocol])) return false;
  const hostname = url.hostname.toLowerCase();
  if (name.startsWith('*.') || name.startsWith('.')) {
    const domain = name.replace(/^\*?\./, '');
    return hostname === domain || hostname.endsWith(`.${domain}`);
  }
  return hostname === name;
}

function isLoopbackName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

function privateReason(host: string, address: string): string {
  return `host ${host} is ${address === 'this machine' ? 'on this machine' : `at ${address}`}, not a public address (WFM_ALLOW_PRIVATE_HOSTS=true allows it)`;
}
