import type { Violation } from '../../dev/invariants';
import { print } from '../output';

/** Prints whether the invariants hold (or each violation); returns how many were violated. */
export function printInvariants(violations: Violation[]): number {
  print(
    violations.length === 0
      ? 'Invariants hold: every planned agent is in place, no write of the push touched an agent outside the plan, none was redundant or repeated.'
      : `INVARIANT VIOLATIONS (${violations.length}):\n${violations.map((v) => `  ${v.kind} ${v.scheduleId}@${v.version ?? '-'} ${v.agentId ?? ''}: ${v.message}`).join('\n')}`,
  );
  return violations.length;
}
