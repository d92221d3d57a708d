import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { sleep } from '../../common/sleep';
import { SEARCH_ATTRIBUTES } from '../../model/names';
import type { ThrowawayPostgres } from './postgres';
import { TEMPORAL_DATABASES } from './temporal-cluster-config';
import { searchAttributeType } from '../../dev/temporal-dev-server';
import type { TemporalServerBinaries } from './temporal-server-build';

const run = promisify(execFile);

/** The namespace the cluster creates (a cluster starts with none; the dev server makes `default` itself). */
export const CLUSTER_NAMESPACE = 'default';

/** `temporal` and `temporal_visibility` created and brought to v1.32.0's schema (embedded in the SQL tool). */
export async function createDatabases(
  binaries: TemporalServerBinaries,
  postgres: ThrowawayPostgres,
  log: (line: string) => void,
): Promise<void> {
  log('Creating the Temporal databases and schema (temporal-sql-tool, postgres12) …');
  const connection = [
    '--ep',
    postgres.host,
    '-p',
    String(postgres.port),
    '-u',
    postgres.user,
    '--pl',
    'postgres12',
  ];
  // The password goes by environment, not argv, where any process on the machine could read it.
  const env = { ...serverEnv(), SQL_PASSWORD: postgres.password };
  const schemas = [
    [TEMPORAL_DATABASES.default, 'postgresql/v12/temporal'],
    [TEMPORAL_DATABASES.visibility, 'postgresql/v12/visibility'],
  ] as const;
  await Promise.all(
    schemas.map(async ([database, schema]) => {
      for (const command of [
        ['create-database'],
        ['setup-schema', '-v', '0.0'],
        ['update-schema', '--schema-name', schema],
      ])
        await runTool(binaries.sqlTool, [...connection, '--db', database, ...command], env);
    }),
  );
}

/** The `default` namespace and the project's search attributes, retried while the new namespace spreads. */
export async function createNamespace(cli: string, address: string): Promise<void> {
  const connection = ['--address', address, '--namespace', CLUSTER_NAMESPACE];
  await runTool(cli, ['operator', 'namespace', 'create', ...connection, '--retention', '72h'], cliEnv());
  const deadline = Date.now() + 30_000;
  // One call per attribute: given several names and one type, CLI 1.9.1 creates only the first.
  for (const key of SEARCH_ATTRIBUTES) {
    const args = ['operator', 'search-attribute', 'create', ...connection];
    args.push('--name', key.name, '--type', searchAttributeType(key.type));
    for (;;) {
      try {
        await runTool(cli, args, cliEnv());
        break;
      } catch (err) {
        // "Namespace default is not found" until the frontend's namespace cache has refreshed.
        if (Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
  }
  await checkSearchAttributes(address);
}

/** What the CLI said it did, checked through the operator API: a missing attribute fails every workflow task later. */
async function checkSearchAttributes(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: CLUSTER_NAMESPACE,
    });
    const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in customAttributes)).map((key) => key.name);
    if (missing.length > 0)
      throw new Error(`search attributes missing after creation: ${missing.join(', ')}`);
    // Stored is not yet usable: each frontend maps names through its namespace cache, refreshed every few seconds,
    // and until then a start with the attributes is refused ("no mapping defined"). A query names them all.
    const query = SEARCH_ATTRIBUTES.map((key) => `${key.name} = "probe"`).join(' AND ');
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace: CLUSTER_NAMESPACE, query });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
  } finally {
    await connection.close();
  }
}

async function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(command, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    const detail =
      [e.stderr, e.stdout]
        .map((s) => s?.trim())
        .filter(Boolean)
        .join('\n') || e.message;
    throw new Error(`${path.basename(command)} ${args.slice(0, 3).join(' ')} failed: ${detail}`);
  }
}

/**
 * The server reads its own settings from TEMPORAL_* variables (services, config file, auth): it gets a bare
 * environment so nothing of the caller's leaks into the cluster.
 */
export function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME };
}

/** Likewise for the CLI, which would take an address, namespace, TLS or API key from TEMPORAL_* or its profile. */
function cliEnv(): NodeJS.ProcessEnv {
  return { ...serverEnv(), TEMPORAL_CONFIG_FILE: '/dev/null' };
}
