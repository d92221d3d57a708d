import path from 'node:path';
import { z } from 'zod';

/** The project's root folder: the embedded default keeps its data and tools under it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

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
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new SettingsError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(env)');
      const value = present[name];
      return `${name}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${issue.message}`;
    }),
  );
}

/** Whole numbers from the environment, with bounds. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Settings the client and the worker share. */
export const sharedSettingsSchema = z.object({
  /** Task queue of the workflows; HTTP activities use `<queue>-http`. */
  WFM_PUSH_TASK_QUEUE: z.string().min(1).default('wfm-push'),
  /** Where plans (and later results) are stored; client and workers must share it. */
  WFM_PUSH_DATA_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, '.data')),
});
export type SharedSettings = z.infer<typeof sharedSettingsSchema>;

export function plansFolder(settings: SharedSettings): string {
  return path.join(settings.WFM_PUSH_DATA_DIR, 'plans');
}

export function resultsFolder(settings: SharedSettings): string {
  return path.join(settings.WFM_PUSH_DATA_DIR, 'results');
}
