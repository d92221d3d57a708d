import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { envInt } from './env';
import { redactUrl } from './redact';

/**
 * Where plans and results live. A folder is the embedded default for one machine; PostgreSQL is the store that a
 * client and workers on several hosts share.
 */
export type StoreSettings =
  | { kind: 'file'; /** Absolute path. */ folder: string }
  | {
      kind: 'postgres';
      /** `postgres://user:password@host:port/database[?sslmode=…]`. Holds the password: never print it (`describeStore`). */
      url: string;
      /** Most connections this process holds open at once. */
      poolMax: number;
    };

/** The variables that choose the store; part of the shared settings schema. */
export const storeEnvShape = {
  WFM_PUSH_STORE: z
    .string()
    .superRefine((text, ctx) => {
      const parsed = parseStoreUrl(text, 1);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .optional()
    .describe(
      'plan and result store: file:<folder> (default: file:<WFM_PUSH_DATA_DIR>) or postgres://user:password@host:port/database, ' +
        'which client and workers on several hosts share (the password is never printed)',
    ),
  WFM_PUSH_STORE_POOL_MAX: envInt(1, 1000)
    .default(10)
    .describe('most PostgreSQL connections one process holds open (postgres store only)'),
};

const NO_HOST = 'no-host.invalid';
const EXPECTED = 'expected file:<folder> or postgres://user:password@host:port/database';

/**
 * The store a value of WFM_PUSH_STORE names, or a problem to report. The value may hold a password, so no problem
 * message quotes it (`parseEnv` shows the value itself with its credentials hidden).
 */
export function parseStoreUrl(text: string, poolMax: number): { store: StoreSettings } | { problem: string } {
  if (/^file:/i.test(text)) {
    const rest = text.slice('file:'.length);
    // file:///abs and file://localhost/abs are URLs; file:./rel and file:/abs are plain paths (relative to the
    // working directory), which is what a person writes and what WHATWG URL parsing would turn into /rel.
    let folder: string;
    try {
      folder = rest.startsWith('//') ? fileURLToPath(text) : rest;
    } catch {
      return { problem: `not a file URL of this machine; ${EXPECTED}` };
    }
    if (folder === '') return { problem: `file: names no folder; ${EXPECTED}` };
    return { store: { kind: 'file', folder: path.resolve(folder) } };
  }
  if (!/^postgres(ql)?:\/\//i.test(text)) return { problem: EXPECTED };
  let url: URL;
  try {
    // As pg reads it: a URL with no host (`user@/db?host=/run/postgresql`, a Unix socket) is read with a dummy one.
    url = new URL(text.replace('@/', `@${NO_HOST}/`));
  } catch {
    // The URL error names the input: never pass it on.
    return {
      problem: `not a valid URL (percent-encode special characters in the user and password); ${EXPECTED}`,
    };
  }
  const host = url.hostname === NO_HOST ? '' : url.hostname;
  if (!host && !url.searchParams.get('host')) return { problem: `names no host; ${EXPECTED}` };
  if (url.pathname.length <= 1) return { problem: `names no database; ${EXPECTED}` };
  const tls = tlsProblem(host, url.searchParams.get('sslmode'));
  if (tls) return { problem: tls };
  return { store: { kind: 'postgres', url: text, poolMax } };
}

/**
 * Plans, results and the password cross the network to a PostgreSQL server on another host: TLS is required there,
 * with its certificate checked, unless the URL says `sslmode=disable` (a private network the operator vouches for).
 * `no-verify` (encrypted, any certificate accepted) is refused rather than taken silently.
 */
function tlsProblem(host: string, sslmode: string | null): string | undefined {
  if (sslmode === 'no-verify')
    return 'sslmode=no-verify accepts any certificate, so anyone on the path can read along: use sslmode=verify-full (with sslrootcert=<CA file> for a CA of your own) or require';
  const local =
    host === '' || host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
  if (local || sslmode !== null) return undefined;
  return `a PostgreSQL server on another host (${host}) needs TLS: add ?sslmode=verify-full (or require); sslmode=disable only on a private network you trust`;
}

/** The store as logs, help and errors may show it: a folder as `file:<path>`, a URL without its password. */
export function describeStore(store: StoreSettings): string {
  return store.kind === 'file' ? `file:${store.folder}` : redactUrl(store.url);
}
