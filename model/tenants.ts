import { z } from 'zod';
import { formatPath, planProblems, tenantIdSchema, type ApiStyle } from './plan';

/** What a tenants file may hold instead of an inline secret: the message names the references. */
const inlineSecret = (key: string, refs: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message: `secrets go by reference, never in the file: give ${refs} instead of ${key}`,
    });

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const secretFile = z.string().min(1).describe('a file holding the secret (owner-only, like key files)');
const secretEnv = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
  .describe('an environment variable holding the secret');
const rateLimitPerSecond = z.number().positive().optional();
/** Syncs of this tenant one worker runs at once (default: the worker's WFM_TENANT_MAX_SYNCS). */
const maxSyncs = z.number().int().min(1).max(1000).optional();
/** Most schedules one push of this tenant has in flight: a push's window (`--max-in-flight`) is clamped to it. */
const maxSchedulesInFlight = z.number().int().min(1).max(500).optional();

/** A Genesys Cloud organisation: a region (or both URLs) and an OAuth client whose secret comes by reference. */
const genesysTenantSchema = z.strictObject({
  api: z.literal('genesys'),
  region: z.string().min(1).optional(),
  baseUrl: httpUrl.optional(),
  loginUrl: httpUrl.optional(),
  clientId: z.string().min(1),
  clientSecretFile: secretFile.optional(),
  clientSecretEnv: secretEnv.optional(),
  clientSecret: inlineSecret('clientSecret', 'clientSecretFile or clientSecretEnv'),
  queryNotifyId: z.string().min(1).optional(),
  storageHosts: z.array(z.string().min(1)).optional(),
  /** A ceiling on this tenant's request rate per worker (default: none, its rate control finds it). */
  rateLimitPerSecond,
  maxSyncs,
  maxSchedulesInFlight,
});

/** A WFM of the REST contract: its base URL and a bearer token by reference (on this machine: the simulator's). */
const restTenantSchema = z.strictObject({
  api: z.literal('rest'),
  baseUrl: httpUrl,
  tokenFile: secretFile.optional(),
  tokenEnv: secretEnv.optional(),
  token: inlineSecret('token', 'tokenFile or tokenEnv'),
  versionIn: z.enum(['body', 'if-match', 'both']).optional(),
  rateLimitPerSecond,
  maxSyncs,
  maxSchedulesInFlight,
});

export const tenantSchema = z
  .discriminatedUnion('api', [genesysTenantSchema, restTenantSchema], {
    error: 'api must be "genesys" or "rest"',
  })
  .superRefine((tenant, ctx) => {
    const [file, env] =
      tenant.api === 'genesys'
        ? (['clientSecretFile', 'clientSecretEnv'] as const)
        : (['tokenFile', 'tokenEnv'] as const);
    const both =
      tenant.api === 'genesys'
        ? tenant.clientSecretFile !== undefined && tenant.clientSecretEnv !== undefined
        : tenant.tokenFile !== undefined && tenant.tokenEnv !== undefined;
    if (both) ctx.addIssue({ code: 'custom', path: [env], message: `give ${file} or ${env}, not both` });
    if (
      tenant.api === 'genesys' &&
      tenant.clientSecretFile === undefined &&
      tenant.clientSecretEnv === undefined
    )
      ctx.addIssue({ code: 'custom', path: [file], message: `required (or ${env})` });
  });
export type Tenant = z.infer<typeof tenantSchema>;

/** WFM_TENANTS_FILE: tenant ID → how to reach its WFM. */
export const tenantsFileSchema = z.record(tenantIdSchema, tenantSchema);
export type TenantsFile = z.infer<typeof tenantsFileSchema>;

/** Every problem of a tenants file's JSON as `<path>: <message>` (the path starts with the tenant ID). */
export function tenantsFileProblems(json: unknown): { problems: string[]; parsed?: TenantsFile } {
  const result = tenantsFileSchema.safeParse(json);
  if (result.success) return { problems: [], parsed: result.data };
  return {
    problems: result.error.issues.map((issue) => {
      const path = formatPath(issue.path) || '(root)';
      // A bad key: zod says only "Invalid key in record"; the key's own issue says what a tenant ID must be.
      const message =
        issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return `${path}: ${message}`;
    }),
  };
}

/** Each tenant's API style: all a client needs (never a secret, never a URL). */
export function tenantStyles(tenants: TenantsFile): ReadonlyMap<string, ApiStyle> {
  return new Map(Object.entries(tenants).map(([id, t]) => [id, t.api]));
}

/**
 * A plan's problems for the WFM it names: the tenant's API style when it names one (`tenants`: each tenant's style,
 * undefined without a tenants file), `apiStyle` otherwise. A tenant that is not in the file is a problem at `tenant`,
 * so the plan is refused before anything is stored or started.
 */
export function planProblemsForTenant(
  json: unknown,
  apiStyle: ApiStyle,
  tenants: ReadonlyMap<string, ApiStyle> | undefined,
): ReturnType<typeof planProblems> {
  const tenant = json && typeof json === 'object' ? (json as Record<string, unknown>).tenant : undefined;
  if (typeof tenant !== 'string') return planProblems(json, apiStyle);
  const style = tenants?.get(tenant);
  if (style) return planProblems(json, style);
  const { problems } = planProblems(json, apiStyle);
  const message = tenants
    ? `unknown tenant ${JSON.stringify(tenant)}: WFM_TENANTS_FILE names ${[...tenants.keys()].map((t) => JSON.stringify(t)).join(', ') || 'none'}`
    : `names tenant ${JSON.stringify(tenant)}, but no WFM_TENANTS_FILE is set`;
  return { problems: [...problems.filter((p) => p.path !== 'tenant'), { path: 'tenant', message }] };
}
