import { connect as tcpConnect } from 'node:net';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { SettingsError, type Env } from './env';

/** Where the Temporal service is and how to reach it: address, namespace, TLS or API key. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  /** What `Connection.connect` / `NativeConnection.connect` take (TLS, API key, metadata from the profile). */
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'] & { address: string };
  /**
   * Where the address came from, for messages: `TEMPORAL_ADDRESS`, `profile` (the Temporal config file) or `default`.
   * Absent: given directly (the demo's own server).
   */
  addressFrom?: 'TEMPORAL_ADDRESS' | 'profile' | 'default';
}

/**
 * Temporal settings from the standard environment configuration (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, TLS
 * files or `TEMPORAL_API_KEY`, or a profile in the Temporal config file); the default is the local dev server.
 */
export function temporalSettings(env: Env): TemporalSettings {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const config = loadClientConnectConfig({ overrideEnvVars });
  const address = config.connectionOptions.address ?? 'localhost:7233';
  return {
    address,
    namespace: config.namespace ?? 'default',
    connectionOptions: { ...config.connectionOptions, address },
    addressFrom: env.TEMPORAL_ADDRESS
      ? 'TEMPORAL_ADDRESS'
      : config.connectionOptions.address
        ? 'profile'
        : 'default',
  };
}

/** The same settings pointed at another address (the demo's and the tests' own dev server). */
export function temporalAt(address: string, namespace = 'default'): TemporalSettings {
  return { address, namespace, connectionOptions: { address } };
}

/** How long a process waits for the Temporal service at start before it names the address as the problem. */
export const TEMPORAL_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects with `connect` (a client's or a worker's connection), or fails as a setting: a service that does not answer
 * at the configured address (or refuses its TLS or API key) is a settings problem, exit 2, named by the address, the
 * variable it came from and, as far as a plain TCP connection can tell, why (refused, no such host, no answer).
 */
export async function connectToTemporal<T>(
  settings: TemporalSettings,
  connect: () => Promise<T>,
  timeoutMs = TEMPORAL_CONNECT_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // A little after the connection's own deadline (the client's), which says more when it comes first.
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs + 1000);
  });
  try {
    return await Promise.race([connect(), deadline]);
  } catch (err) {
    throw new SettingsError([await unreachable(settings, err)]);
  } finally {
    clearTimeout(timer);
  }
}

async function unreachable(settings: TemporalSettings, err: unknown): Promise<string> {
  const { address, addressFrom } = settings;
  const where =
    addressFrom === 'TEMPORAL_ADDRESS'
      ? `TEMPORAL_ADDRESS=${address}`
      : addressFrom === 'profile'
        ? `TEMPORAL_ADDRESS (unset; the Temporal config profile says ${address})`
        : addressFrom === 'default'
          ? `TEMPORAL_ADDRESS (unset, so the default ${address})`
          : `Temporal at ${address}`;
  // Through a proxy a direct connection says nothing about the route the client takes.
  const tcp = settings.connectionOptions.proxy ? undefined : await tcpProblem(address);
  const said = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300) ?? '';
  const why = tcp
    ? `no Temporal service answers there: ${tcp}`
    : `the port answers, but not as a Temporal service this client can use (TLS, API key, or another service): ${said}`;
  return `${where}: ${why}. Start one (\`wfm-push dev-server\`) or point TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TLS or TEMPORAL_API_KEY) at yours.`;
}

/** What a plain TCP connection to `address` meets: undefined when it connects (the problem is above TCP). */
function tcpProblem(address: string, timeoutMs = 2_000): Promise<string | undefined> {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match) return Promise.resolve(`"${address}" is not host:port`);
  const host = match[1] ?? '';
  const port = Number(match[2]);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${address} within ${timeoutMs / 1000} s`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') return done(`connection refused by ${address}`);
      if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')
        return done(`host name ${host} not found (${e.code})`);
      done(`${e.code ?? e.message} connecting to ${address}`);
    });
  });
}
