/**
 * What a failed WFM request met, in the few fields an operator needs: the host, and the HTTP status it answered or the
 * network error that kept it from answering. The adapter puts it in its failure's details; a sync that fails carries
 * it on (with when its failures began), so `status`, `watch` and the Temporal UI can say what is wrong in one line.
 */
export interface WfmProblem {
  /** `host:port` the request went to. */
  host: string;
  /** The HTTP status, when the WFM answered. */
  status?: number;
  /**
   * When it did not answer: the network error's code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `ETIMEDOUT`, a TLS
   * code...), or `TIMEOUT` when it sent no answer within the request timeout.
   */
  network?: string;
  /** When the sync's run of failed attempts began, in ms since the epoch (set by the sync, not the adapter). */
  sinceMs?: number;
}

/** `host:port` of a URL, the port written out even when it is the scheme's default (what a firewall rule names). */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' || u.protocol === 'wss:' ? '443' : '80');
    return `${u.hostname}:${port}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** "WFM unreachable: connection refused by wfm.example.com:443", without when or how often. */
export function wfmProblemText({ host, status, network }: WfmProblem): string {
  if (status !== undefined)
    return status >= 500 || status === 408
      ? `WFM failing: ${host} answers ${status}`
      : `WFM refuses: ${host} answers ${status}`;
  const code = network ?? 'unknown error';
  if (code === 'ECONNREFUSED') return `WFM unreachable: connection refused by ${host}`;
  if (code === 'TIMEOUT') return `WFM not answering: no answer from ${host} in time`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `WFM unreachable: host name ${host.replace(/:\d+$/, '')} not found (${code})`;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')
    return `WFM unreachable: connection to ${host} reset (${code})`;
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return `WFM unreachable: connecting to ${host} timed out (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return `WFM unreachable: no route to ${host} (${code})`;
  if (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/.test(code))
    return `WFM unreachable: TLS with ${host} failed (${code})`;
  return `WFM unreachable: ${code} from ${host}`;
}

/** Reads a problem back from a failure's details (what crossed Temporal is untyped). */
export function asWfmProblem(value: unknown): WfmProblem | undefined {
  const p = value as Partial<WfmProblem> | null | undefined;
  if (!p || typeof p !== 'object' || typeof p.host !== 'string') return undefined;
  if (typeof p.status !== 'number' && typeof p.network !== 'string') return undefined;
  return p as WfmProblem;
}
