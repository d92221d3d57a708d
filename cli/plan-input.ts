import { readFile } from 'node:fs/promises';
import type { Plan } from '../model/plan';
import { parsePlan } from '../client/plan-file';
import { CliExit, ExitCode, printJson } from './output';

/** Reads and validates a plan file; every problem is printed with its path and nothing is started (exit 2). */
export async function loadPlanFile(file: string, json: boolean): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliExit(ExitCode.invalidInput, `Cannot read plan ${file}: ${(err as Error).message}`);
  }
  const parsed = parsePlan(text);
  if (parsed.ok) return parsed.plan;
  if (json) printJson({ ok: false, file, problems: parsed.problems });
  const list = parsed.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  throw new CliExit(
    ExitCode.invalidInput,
    json
      ? ''
      : `Plan ${file} is invalid (${parsed.problems.length} problem(s)); nothing was started:\n${list}`,
  );
}
