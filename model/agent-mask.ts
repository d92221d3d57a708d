/**
 * A set of a schedule's planned agents, by their index in the plan, as a hex bitset (`''` is empty). It is how a
 * schedule push carries "which agents this push wrote" across attempts through workflow history: 500 agents take at
 * most 125 characters, where their IDs would take kilobytes. The agents' outcomes themselves go to the result store.
 */
export type AgentMask = string;

const BITS = 4;

/** The mask holding `indices` (and whatever `mask` held). */
export function maskWith(mask: AgentMask, indices: Iterable<number>): AgentMask {
  const nibbles = [...mask].map((c) => parseInt(c, 16));
  for (const i of indices) {
    const at = Math.floor(i / BITS);
    while (nibbles.length <= at) nibbles.push(0);
    nibbles[at] = (nibbles[at] ?? 0) | (1 << (i % BITS));
  }
  return nibbles.map((n) => n.toString(16)).join('');
}

/** The mask without `indices`. */
export function maskWithout(mask: AgentMask, indices: Iterable<number>): AgentMask {
  const nibbles = [...mask].map((c) => parseInt(c, 16));
  for (const i of indices) {
    const at = Math.floor(i / BITS);
    if (at < nibbles.length) nibbles[at] = (nibbles[at] ?? 0) & ~(1 << (i % BITS));
  }
  return nibbles.map((n) => n.toString(16)).join('');
}

export function maskHas(mask: AgentMask | undefined, index: number): boolean {
  const nibble = parseInt(mask?.[Math.floor(index / BITS)] ?? '0', 16);
  return (nibble & (1 << (index % BITS))) !== 0;
}

export function maskUnion(a: AgentMask | undefined, b: AgentMask | undefined): AgentMask {
  const length = Math.max(a?.length ?? 0, b?.length ?? 0);
  return Array.from({ length }, (_, k) =>
    (parseInt(a?.[k] ?? '0', 16) | parseInt(b?.[k] ?? '0', 16)).toString(16),
  ).join('');
}

export function maskIntersection(a: AgentMask, b: AgentMask): AgentMask {
  return Array.from({ length: Math.min(a.length, b.length) }, (_, k) =>
    (parseInt(a[k] ?? '0', 16) & parseInt(b[k] ?? '0', 16)).toString(16),
  ).join('');
}

export function maskCount(mask: AgentMask | undefined): number {
  let n = 0;
  for (const c of mask ?? '') for (let v = parseInt(c, 16); v; v &= v - 1) n++;
  return n;
}

/** The mask of the agents among `agentIds` (the plan's order) that `selected` names. */
export function maskOf(agentIds: readonly string[], selected: Iterable<string>): AgentMask {
  const wanted = new Set(selected);
  return maskWith(
    '',
    agentIds.flatMap((id, i) => (wanted.has(id) ? [i] : [])),
  );
}
