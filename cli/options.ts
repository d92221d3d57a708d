import { Command, Option } from 'commander';
import { z } from 'zod';
import { CliExit, ExitCode } from './output';
import { redactUrlCredentials } from '../common/redact';
import { tenantIdSchema } from '../model/plan';

/**
 * A command's options as one zod object: each key becomes a `--kebab-case` flag whose help text is the field's
 * description and default, and the values commander collects are parsed by the same schema. So the help can never
 * disagree with what the code accepts. `.meta({ arg: 'ms' })` names a flag's value in the help.
 */
export function commandWithOptions<S extends z.ZodObject>(name: string, schema: S): Command {
  const command = new Command(name);
  for (const [key, field] of Object.entries(schema.shape) as Array<[string, z.ZodType]>) {
    const inner = unwrap(field);
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const arg = (field.meta()?.arg as string | undefined) ?? (inner instanceof z.ZodNumber ? 'n' : 'value');
    const spec =
      inner instanceof z.ZodBoolean
        ? flag
        : inner instanceof z.ZodArray
          ? `${flag} <${arg}...>`
          : `${flag} <${arg}>`;
    const fallback = inner instanceof z.ZodBoolean ? undefined : defaultOf(field);
    // The default is shown, not set: the schema applies it, so there is one source of defaults.
    const option = new Option(
      spec,
      `${field.description ?? ''}${fallback === undefined ? '' : ` (default: ${fallback})`}`,
    );
    if (!(field instanceof z.ZodDefault) && !(field instanceof z.ZodOptional)) option.makeOptionMandatory();
    command.addOption(option);
  }
  return command;
}

/** Parses what commander collected; a bad value ends the command with exit 2 and the flag's name. */
export function parseOptions<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    // The value is echoed without credentials: a URL with user:token@ is refused, never printed.
    const value = raw[key] === undefined ? '' : ` ${redactUrlCredentials(JSON.stringify(raw[key]))}`;
    return `${flag}${value}: ${issue.message}`;
  });
  throw new CliExit(ExitCode.invalidInput, `Invalid option(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/**
 * `--tenant <id>` on every command that takes a plan ID: plan IDs are unique per tenant (issue 23), so a plan ID
 * several tenants use needs it; `-` names the plan without a tenant.
 */
export const tenantOption = {
  tenant: z
    .union([z.literal('-'), tenantIdSchema])
    .optional()
    .meta({ arg: 'id' })
    .describe(
      'whose plan the plan ID names (a tenant of WFM_TENANTS_FILE; - for the plan without one); needed only when several tenants have a plan with this ID',
    ),
};

/** How messages name a push: its plan ID, and its tenant when it has one. */
export function pushName(planId: string, tenant: string | undefined): string {
  return tenant === undefined ? planId : `${planId} of tenant ${tenant}`;
}

/** Numbers from the command line, with bounds (commander hands over strings). */
export const intOption = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const shareOption = () => z.coerce.number().min(0).max(1);

function unwrap(field: z.ZodType): z.ZodType {
  let inner = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  return inner;
}

function defaultOf(field: z.ZodType): string | undefined {
  if (!(field instanceof z.ZodDefault)) return undefined;
  const value: unknown = field.def.defaultValue;
  return Array.isArray(value) ? value.join(' ') : String(value);
}
