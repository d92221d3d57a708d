/** The four services of a Temporal cluster; each runs as a process of its own. */
export const CLUSTER_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterServiceName = (typeof CLUSTER_SERVICES)[number];

/** Where one service listens: its gRPC port and the port its membership (ringpop) gossip uses. */
export interface ServicePorts {
  grpcPort: number;
  membershipPort: number;
}

export interface ClusterDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ClusterConfigInput {
  service: ClusterServiceName;
  ports: Record<ClusterServiceName, ServicePorts>;
  database: ClusterDatabase;
  /** Fixed when the databases are created; a test cluster needs few. */
  numHistoryShards: number;
  /** The dynamic config file every service polls. */
  dynamicConfigFile: string;
}

/** The databases the SQL tool creates: history and state, then visibility (workflow lists, search attributes). */
export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * The server config of one service, after v1.32.0's `config/development-postgres12.yaml`, on the given ports and
 * database. Every service's file lists all four services' ports: a service builds its membership ring of each
 * other service from that list. Written as JSON, which the server's YAML parser reads as it is.
 */
export function serviceConfig(input: ClusterConfigInput): string {
  const { database } = input;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${database.host}:${database.port}`,
      connectProtocol: 'tcp',
      user: database.user,
      password: database.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const frontend = `127.0.0.1:${input.ports.frontend.grpcPort}`;
  const config = {
    log: { stdout: true, level: 'info' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: input.numHistoryShards,
      datastores: {
        'postgres-default': datastore(TEMPORAL_DATABASES.default, 20),
        'postgres-visibility': datastore(TEMPORAL_DATABASES.visibility, 4),
      },
    },
    global: {
      // Each process joins the ring with this address; the others reach it there.
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
    },
    services: Object.fromEntries(
      Object.entries(input.ports).map(([name, ports]) => [
        name,
        { rpc: { ...ports, bindOnLocalHost: true } },
      ]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * The dynamic config file every service polls: v1.32.0's defaults unless `values` says otherwise (a test that tunes
 * timeouts, say), as `{ key: value }`.
 */
export function dynamicConfig(values: Readonly<Record<string, unknown>> = {}): string {
  const entries = Object.entries(values).map(([key, value]) => [key, [{ value, constraints: {} }]]);
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
}
