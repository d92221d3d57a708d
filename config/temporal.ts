import { Connection, Client } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

/**
 * Temporal settings come from the standard environment configuration (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * TLS files or `TEMPORAL_API_KEY`, or a profile in the Temporal config file); the default is the local dev server.
 */
export function temporalConnectConfig() {
  const config = loadClientConnectConfig();
  return {
    connectionOptions: { address: 'localhost:7233', ...config.connectionOptions },
    namespace: config.namespace ?? 'default',
  };
}

export async function connectClient(): Promise<Client> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace });
}
