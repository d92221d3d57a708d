import { z } from 'zod';
import { redactUrl } from './redact';

/** The process environment as settings see it: read once by the entry point, then passed down as a value. */
export type Env = Readonly<Record<string, string | undefined>>;

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/**
 * Parses environment variables with a zod object whose keys are the variable names, so every problem names its
 * variable. Empty strings count as unset.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, v]) => v !== undefined && v !== '' && name in schema.shape),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new SettingsError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(env)');
      const value = present[name];
      return `${name}${value === undefined ? '' : `=${shownValue(name, value)}`}: ${issue.message}`;
    }),
  );
}

/** A setting's value as an error message may show it: secrets never, URLs without credentials. */
function shownValue(name: string, value: string | undefined): string {
  if (/TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i.test(name)) return '(hidden)';
  return JSON.stringify(value === undefined ? value : redactUrl(value));
}

/** Whole numbers from the environment, with bounds. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** One environment variable as a schema declares it: for `--help` and the generated configuration page. */
export interface EnvVariable {
  name: string;
  /** The default as the variable would be written; undefined: none. */
  fallback: string | undefined;
  description: string;
}

/** The variables of an env schema, in declaration order. */
export function envVariables(schema: z.ZodObject): EnvVariable[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    fallback: defaultOf(field as z.ZodType),
    description: (field as z.ZodType).description ?? '',
  }));
}

/**
 * The variables of an env schema as help text, one per line: name, default and the schema's description. Generated,
 * so `--help` can never miss a setting the code reads.
 */
export function describeEnv(schema: z.ZodObject): string {
  return envVariables(schema)
    .map(
      ({ name, fallback, description }) =>
        `  ${name}${fallback === undefined ? '' : ` (default ${fallback})`}\n      ${description}`,
    )
    .join('\n');
}

function defaultOf(field: z.ZodType): string | undefined {
  if (field instanceof z.ZodDefault || field instanceof z.ZodPrefault) {
    const value: unknown = field.def.defaultValue;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return undefined;
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration from the environment, as milliseconds: `90s`, `10m`, `6h`, `1500ms`, or a plain number of seconds;
 * bounded by `minMs` and `maxMs`.
 */
export const envDurationMs = (minMs: number, maxMs: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h)?$/, 'expected a duration such as 90s, 10m or 6h')
    .transform((text) => {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text);
      const unit = (match?.[2] ?? 's') as keyof typeof DURATION_UNITS_MS;
      return Math.round(Number(match?.[1]) * DURATION_UNITS_MS[unit]);
    })
    .refine(
      (ms) => ms >= minMs && ms <= maxMs,
      `must be from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
    );

/** `6h`, `10m`, `90s`, `250ms`: the shortest exact form. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
