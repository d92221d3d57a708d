import { readFileSync, statSync } from 'node:fs';
import { type Env, parseEnv, SettingsError } from '../common/env';
import { readTenantsFile, TENANTS_FILE_VARIABLE } from '../common/tenants-file';
import type { Tenant, TenantsFile } from '../model/tenants';
import { wfmEnvSchema, wfmSettingsFrom, type WfmSettings } from './settings';

/** The variables a tenant sets for itself; all others (timeouts, deadlines, outbound rules) are the worker's. */
const TENANT_VARIABLES = {
  WFM_BASE_URL: 'baseUrl',
  WFM_LOGIN_URL: 'loginUrl',
  GENESYS_REGION: 'region',
  GENESYS_CLIENT_ID: 'clientId',
  GENESYS_CLIENT_SECRET: 'clientSecretFile',
  GENESYS_QUERY_NOTIFY_ID: 'queryNotifyId',
  GENESYS_STORAGE_HOSTS: 'storageHosts',
  WFM_TOKEN: 'tokenFile',
  WFM_VERSION_IN: 'versionIn',
  WFM_RATE_LIMIT_PER_SECOND: 'rateLimitPerSecond',
} as const;

/**
 * Every tenant's WFM settings, from WFM_TENANTS_FILE and the worker's environment: secrets read from their files
 * (owner-only) or variables, then checked by `wfmSettingsFrom` exactly as the worker's own WFM is. Nothing of the
 * worker's own WFM (URLs, credentials, rate ceiling) carries over to a tenant. Every problem of every tenant is
 * reported at once, named by its path in the file.
 */
export function loadTenantSettings(file: string, env: Env): TenantSettings {
  return tenantSettingsFrom(readTenantsFile(file), env);
}

export function tenantSettingsFrom(tenants: TenantsFile, env: Env): TenantSettings {
  const shared = Object.fromEntries(
    Object.entries(env).filter(([name]) => name in wfmEnvSchema.shape && !(name in TENANT_VARIABLES)),
  );
  const problems: string[] = [];
  const settings = new Map<string, TenantWfmSettings>();
  for (const [id, tenant] of Object.entries(tenants)) {
    const secret = resolveSecret(id, tenant, env, problems);
    if (secret === null) continue;
    try {
      const parsed = parseEnv(wfmEnvSchema, { ...shared, ...tenantVariables(tenant, secret) });
      const wfm = wfmSettingsFrom(parsed, tenant.api);
      settings.set(id, {
        ...wfm,
        ...(tenant.maxSyncs === undefined ? {} : { maxSyncs: tenant.maxSyncs }),
        ...(tenant.maxSchedulesInFlight === undefined
          ? {}
          : { maxSchedulesInFlight: tenant.maxSchedulesInFlight }),
      });
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      problems.push(...err.problems.map((p) => `${TENANTS_FILE_VARIABLE} ${id}.${inTenantTerms(p, tenant)}`));
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** The tenant as the variables `wfmSettingsFrom` reads. */
function tenantVariables(tenant: Tenant, secret: string | undefined): Record<string, string | undefined> {
  if (tenant.api === 'genesys')
    return {
      WFM_BASE_URL: tenant.baseUrl,
      WFM_LOGIN_URL: tenant.loginUrl,
      GENESYS_REGION: tenant.region,
      GENESYS_CLIENT_ID: tenant.clientId,
      GENESYS_CLIENT_SECRET: secret,
      GENESYS_QUERY_NOTIFY_ID: tenant.queryNotifyId,
      GENESYS_STORAGE_HOSTS: tenant.storageHosts?.join(','),
      WFM_RATE_LIMIT_PER_SECOND: tenant.rateLimitPerSecond?.toString(),
    };
  return {
    WFM_BASE_URL: tenant.baseUrl,
    WFM_TOKEN: secret,
    WFM_VERSION_IN: tenant.versionIn,
    WFM_RATE_LIMIT_PER_SECOND: tenant.rateLimitPerSecond?.toString(),
  };
}

/**
 * The tenant's secret from its file or variable (undefined: none named); null when it cannot be had (the problem is
 * pushed). A secret file that group or others can read is refused, as key files are.
 */
function resolveSecret(id: string, tenant: Tenant, env: Env, problems: string[]): string | undefined | null {
  const [file, variable, fileKey, envKey] =
    tenant.api === 'genesys'
      ? [tenant.clientSecretFile, tenant.clientSecretEnv, 'clientSecretFile', 'clientSecretEnv']
      : [tenant.tokenFile, tenant.tokenEnv, 'tokenFile', 'tokenEnv'];
  const where = (key: string) => `${TENANTS_FILE_VARIABLE} ${id}.${key}`;
  if (variable !== undefined) {
    const value = env[variable]?.trim();
    if (value) return value;
    problems.push(`${where(envKey)}: the variable ${variable} is not set (or empty)`);
    return null;
  }
  if (file === undefined) return undefined;
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      problems.push(
        `${where(fileKey)}: ${file} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it (and rotate the secret if others may have read it)`,
      );
      return null;
    }
    const value = readFileSync(file, 'utf8').trim();
    if (value) return value;
    problems.push(`${where(fileKey)}: ${file} is empty`);
  } catch (err) {
    problems.push(
      `${where(fileKey)}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return null;
}

/** A problem `wfmSettingsFrom` named by variables, renamed to the tenant's keys. */
function inTenantTerms(problem: string, tenant: Tenant): string {
  const colon = problem.indexOf(': ');
  const [head, rest] = colon < 0 ? [problem, ''] : [problem.slice(0, colon), problem.slice(colon)];
  let renamed = head;
  for (const [variable, key] of Object.entries(TENANT_VARIABLES)) {
    const own =
      tenant.api === 'rest' && key === 'tokenFile'
        ? 'tokenFile / tokenEnv'
        : key === 'clientSecretFile'
          ? 'clientSecretFile / clientSecretEnv'
          : key;
    renamed = renamed.split(variable).join(own);
  }
  return `${renamed}${rest}`;
}

/**
 * A tenant's WFM settings, how many of its syncs one worker runs at once (the file's `maxSyncs`) and how many schedules
 * one of its pushes has in flight at most (`maxSchedulesInFlight`).
 */
export type TenantWfmSettings = WfmSettings & {
  readonly maxSyncs?: number;
  readonly maxSchedulesInFlight?: number;
};

/** The tenants a worker serves, by ID, with the settings each one's WFM is reached with. */
export type TenantSettings = ReadonlyMap<string, TenantWfmSettings>;
