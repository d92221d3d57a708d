import { readFileSync } from 'node:fs';
import type { ApiStyle } from '../model/plan';
import { tenantsFileProblems, tenantStyles, type TenantsFile } from '../model/tenants';
import { SettingsError } from './env';

/** The variable that names the tenants file; every problem of the file starts with it. */
export const TENANTS_FILE_VARIABLE = 'WFM_TENANTS_FILE';

/**
 * Reads and checks WFM_TENANTS_FILE at start: a file that cannot be read, is not JSON or breaks the schema is refused
 * with every problem named by its path (`WFM_TENANTS_FILE acme.clientSecretFile: …`). Read synchronously: it is
 * settings, read once before anything runs.
 */
export function readTenantsFile(file: string): TenantsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SettingsError([`${TENANTS_FILE_VARIABLE}: cannot read ${file}: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SettingsError([
      `${TENANTS_FILE_VARIABLE}: ${file} is not valid JSON: ${(err as Error).message}`,
    ]);
  }
  const { problems, parsed } = tenantsFileProblems(json);
  if (!parsed) throw new SettingsError(problems.map((p) => `${TENANTS_FILE_VARIABLE} ${p}`));
  return parsed;
}

/** Each tenant's API style, for a client validating plans; none without a tenants file. */
export function loadTenantStyles(file: string | undefined): ReadonlyMap<string, ApiStyle> | undefined {
  return file === undefined ? undefined : tenantStyles(readTenantsFile(file));
}
