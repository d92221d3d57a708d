import { types } from 'node:util';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { redactUrl } from '../../common/redact';
import { isValidId } from '../../model/ids';
import { migrate, MIGRATIONS, type Migration } from './migrations';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; never printed (errors name the store by `redactUrl`). */
  url: string;
  /** Most connections held open at once. */
  poolMax: number;
  /** Told of a connection the pool lost while idle (the server restarted, a proxy cut it); the pool opens another. */
  onPoolError?: (err: Error) => void;
  /** The schema steps (tests add their own). Default: the store's. */
  migrations?: readonly Migration[];
}

/** How long a process waits for a connection (new or from a full pool) before the call fails, in ms. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * The connection pool the PostgreSQL plan and result stores share, and the schema they need: created or migrated
 * once per process, before the first query (the worker does it at start).
 */
export class PostgresDatabase {
  /** The store as logs and errors show it: the URL without its password. */
  readonly name: string;
  private readonly options: PostgresStoreOptions;
  private pool: Promise<Pool> | undefined;
  private readonly migrations: readonly Migration[];
  private schema: Promise<number[]> | undefined;
  private closed: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    this.name = redactUrl(options.url);
    this.migrations = options.migrations ?? MIGRATIONS;
    this.options = options;
  }

  /**
   * The pool, made at the first query: `pg` loads only then, so a command on the folder store (every CLI command by
   * default) never pays for loading it (about 60 ms of a push's start).
   */
  private poolNow(): Promise<Pool> {
    if (this.closed) return Promise.reject(new Error(`the PostgreSQL store ${this.name} is closed`));
    this.pool ??= import('pg').then(({ Pool }) => {
      const pool = new Pool({
        connectionString: this.options.url,
        max: this.options.poolMax,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        idleTimeoutMillis: 30_000,
        // A process that forgot to close the pool still exits once its connections are idle.
        allowExitOnIdle: true,
        application_name: 'wfm-push',
      });
      // Without a listener, an idle connection's error (server restart) would crash the process.
      pool.on('error', (err) => this.options.onPoolError?.(err));
      return pool;
    });
    return this.pool;
  }

  /**
   * Creates or migrates the schema (once per process; a failed attempt is tried again on the next call). Returns the
   * versions this call applied.
   */
  prepare(): Promise<number[]> {
    this.schema ??= this.withClient((client) => migrate(client, this.migrations)).catch((err: unknown) => {
      this.schema = undefined;
      throw new Error(`the PostgreSQL store ${this.name} is not usable: ${messageOf(err)}`, { cause: err });
    });
    return this.schema;
  }

  async query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    await this.prepare();
    return (await this.poolNow()).query<R>(sql, params);
  }

  /** Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    await this.prepare();
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const value = await fn(client);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /** Closes every connection once the calls in flight are done. Safe to call more than once. */
  close(): Promise<void> {
    this.closed ??= this.pool ? this.pool.then((pool) => pool.end()) : Promise.resolve();
    return this.closed;
  }

  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await (await this.poolNow()).connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      // An error that is not the server's answer to a query (a cut connection, a timeout) may leave the connection
      // unusable: it is closed rather than handed to the next caller.
      if (!(isError(err) && 'severity' in err)) broken = isError(err) ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** An error's message without its stack; pg's errors never carry the password. */
function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  return isError(err) ? err.message : String(err);
}

/** Node's own errors (a refused connection) may come from another realm, where `instanceof Error` is false. */
function isError(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

/** The same IDs as the local store accepts, so a push behaves alike in either store; a bad ID is named. */
export function checkId(id: string): void {
  if (!isValidId(id)) throw new Error(`not a valid ID: ${JSON.stringify(id.slice(0, 140))}`);
}

/** JSON for a jsonb column, which cannot hold U+0000: a server message with one keeps a U+FFFD in its place. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v,
  );
}
