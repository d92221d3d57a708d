import { readFile, stat } from 'node:fs/promises';
import type { SharedSettings } from '../common/settings';
import type { ApiStyle, Plan, PlanProblem } from '../model/plan';
import { parsePlan } from '../client/plan-file';
import { loadTenantStyles } from '../common/tenants-file';
import { CliExit, ExitCode, printJson } from './output';

/** Reads and validates a plan file; every problem is printed with its path and nothing is started (exit 2). */
export async function loadPlanFile(
  file: string,
  json: boolean,
  {
    planLimits: limits,
    apiStyle,
    tenantsFile,
  }: Pick<SharedSettings, 'planLimits' | 'apiStyle'> & Partial<Pick<SharedSettings, 'tenantsFile'>>,
): Promise<Plan> {
  let text: string;
  try {
    // Refused before it is read: a file far over the limit must not be loaded into memory to be found too big.
    const { size } = await stat(file);
    if (size > limits.maxPlanBytes)
      return refuse(file, json, [
        {
          path: '(file)',
          message: `${size} bytes, more than the ${limits.maxPlanBytes} allowed (WFM_PUSH_MAX_PLAN_BYTES)`,
        },
      ]);
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliExit(ExitCode.invalidInput, `Cannot read plan ${file}: ${(err as Error).message}`);
  }
  let tenants: ReturnType<typeof loadTenantStyles>;
  try {
    // Only the IDs and API styles: a client never needs a tenant's secrets or URLs.
    tenants = loadTenantStyles(tenantsFile);
  } catch (err) {
    throw new CliExit(ExitCode.invalidInput, (err as Error).message);
  }
  const parsed = parsePlan(text, limits, apiStyle, tenants);
  if (parsed.ok) return parsed.plan;
  return refuse(file, json, parsed.problems);
}

/** Ends with exit 2, every problem named by its path (as JSON with --json); nothing was started. */
function refuse(file: string, json: boolean, problems: PlanProblem[]): never {
  if (json) printJson({ ok: false, file, problems });
  const list = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  throw new CliExit(
    ExitCode.invalidInput,
    json ? '' : `Plan ${file} is invalid (${problems.length} problem(s)); nothing was started:\n${list}`,
  );
}

/** The API of the WFM a loaded plan goes to: its tenant's (WFM_TENANTS_FILE), or WFM_API_STYLE. */
export function planApiStyle(
  plan: Pick<Plan, 'tenant'>,
  { apiStyle, tenantsFile }: Pick<SharedSettings, 'apiStyle' | 'tenantsFile'>,
): ApiStyle {
  return plan.tenant === undefined ? apiStyle : (loadTenantStyles(tenantsFile)?.get(plan.tenant) ?? apiStyle);
}
