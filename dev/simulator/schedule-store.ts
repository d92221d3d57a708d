import type { DocumentAgent, DocumentShift, ScheduleDocument } from './schedule-document';

/** Who committed a version: the API (the push, or any client), or one of the simulator's own other writers. */
export type Writer = 'api' | 'noise' | 'conflict-writer' | 'manual';

export interface AgentChangeRecord {
  agentId: string;
  /** null: the agent was not in the schedule. */
  before: DocumentShift[] | null;
  /** null: the agent was removed. */
  after: DocumentShift[] | null;
}

/** One committed version, with exactly what changed: the evidence the invariant checker reads. */
export interface CommitRecord {
  seq: number;
  scheduleId: string;
  version: number;
  writer: Writer;
  at: string;
  changes: AgentChangeRecord[];
}

/**
 * The simulator's schedules and the log of every version committed to them.
 *
 * Stored documents are frozen and shared, never copied out. Copying a 50-agent document three times per edit of
 * another writer every 2 ms (structuredClone: 1.3 ms an edit; now 0.1 ms) took most of the simulator's core and made
 * it answer late, widening the very read-to-write window the hot scenario measures. A commit copies only what it
 * does not already share with a stored version (an edit of one agent copies that agent), and what changed is found
 * by identity first. Anything that tries to change a stored document throws (modules run in strict mode).
 */
export class ScheduleStore {
  private readonly docs = new Map<string, ScheduleDocument>();
  private readonly initial = new Map<string, ScheduleDocument>();
  readonly commits: CommitRecord[] = [];

  constructor(private readonly now: () => Date) {}

  seed(documents: readonly ScheduleDocument[]): void {
    for (const doc of documents) {
      const stored = frozen(doc);
      this.docs.set(doc.id, stored);
      this.initial.set(doc.id, stored);
    }
  }

  /** The current version (frozen: build the next one from it with spreads and maps). */
  get(scheduleId: string): ScheduleDocument | undefined {
    return this.docs.get(scheduleId);
  }

  ids(): string[] {
    return [...this.docs.keys()];
  }

  all(): ScheduleDocument[] {
    return [...this.docs.values()];
  }

  initialDocuments(): ScheduleDocument[] {
    return [...this.initial.values()];
  }

  /** Stores `next` as the new version of its schedule and logs which agents changed. */
  commit(next: ScheduleDocument, writer: Writer): ScheduleDocument {
    const prev = this.docs.get(next.id);
    if (!prev) throw new Error(`unknown schedule ${next.id}`);
    const stored = frozen({ ...next, version: prev.version + 1 });
    this.docs.set(stored.id, stored);
    this.commits.push({
      seq: this.commits.length + 1,
      scheduleId: stored.id,
      version: stored.version,
      writer,
      at: this.now().toISOString(),
      changes: diffAgents(prev.agents, stored.agents),
    });
    return stored;
  }
}

/** Objects this module froze, deeply: safe to share between versions, the commit log and callers. */
const sealed = new WeakSet<object>();

/** A deeply frozen copy of a JSON value, sharing whatever part of it is already sealed. */
function frozen<T>(value: T): T {
  if (value === null || typeof value !== 'object' || sealed.has(value)) return value;
  const copy = Array.isArray(value)
    ? value.map((item: unknown) => frozen(item))
    : Object.fromEntries(Object.entries(value).map(([key, v]) => [key, frozen(v)]));
  Object.freeze(copy);
  sealed.add(copy);
  return copy as T;
}

/** Agents whose entry differs between two versions (shifts or any other field). */
export function diffAgents(
  before: readonly DocumentAgent[],
  after: readonly DocumentAgent[],
): AgentChangeRecord[] {
  const old = new Map(before.map((a) => [a.agentId, a]));
  const changes: AgentChangeRecord[] = [];
  for (const agent of after) {
    const prev = old.get(agent.agentId);
    old.delete(agent.agentId);
    if (prev !== agent && (!prev || !sameJson(prev, agent))) {
      changes.push({ agentId: agent.agentId, before: prev ? prev.shifts : null, after: agent.shifts });
    }
  }
  for (const removed of old.values())
    changes.push({ agentId: removed.agentId, before: removed.shifts, after: null });
  return changes;
}

/**
 * The same JSON document, whatever the order of its keys. Most agents of a commit did not change and were copied with
 * their keys in order, so plain JSON settles them; only those that differ are compared key-sorted. (With another
 * writer every 2 ms, comparing every agent key-sorted took most of a core and made the simulator answer five times
 * slower than its configured latency.)
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted: two documents that differ only in key order are the same document. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
