import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { Env } from './env';

/** Where the Temporal service is and how to reach it: address, namespace, TLS or API key. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  /** What `Connection.connect` / `NativeConnection.connect` take (TLS, API key, metadata from the profile). */
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'] & { address: string };
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
  };
}

/** The same settings pointed at another address (the demo's and the tests' own dev server). */
export function temporalAt(address: string, namespace = 'default'): TemporalSettings {
  return { address, namespace, connectionOptions: { address } };
}
