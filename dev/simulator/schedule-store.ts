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

const clone = <T>(value: T): T => structuredClone(value);

/** The simulator's schedules and the log of every version committed to them. */
export class ScheduleStore {
  private readonly docs = new Map<string, ScheduleDocument>();
  private readonly initial = new Map<string, ScheduleDocument>();
  readonly commits: CommitRecord[] = [];

  constructor(private readonly now: () => Date) {}

  seed(documents: readonly ScheduleDocument[]): void {
    for (const doc of documents) {
      this.docs.set(doc.id, clone(doc));
      this.initial.set(doc.id, clone(doc));
    }
  }

  get(scheduleId: string): ScheduleDocument | undefined {
    const doc = this.docs.get(scheduleId);
    return doc && clone(doc);
  }

  ids(): string[] {
    return [...this.docs.keys()];
  }

  all(): ScheduleDocument[] {
    return [...this.docs.values()].map(clone);
  }

  initialDocuments(): ScheduleDocument[] {
    return [...this.initial.values()].map(clone);
  }

  /** Stores `next` as the new version of its schedule and logs which agents changed. */
  commit(next: ScheduleDocument, writer: Writer): ScheduleDocument {
    const prev = this.docs.get(next.id);
    if (!prev) throw new Error(`unknown schedule ${next.id}`);
    const stored: ScheduleDocument = { ...clone(next), version: prev.version + 1 };
    this.docs.set(stored.id, stored);
    this.commits.push({
      seq: this.commits.length + 1,
      scheduleId: stored.id,
      version: stored.version,
      writer,
      at: this.now().toISOString(),
      changes: diffAgents(prev.agents, stored.agents),
    });
    return clone(stored);
  }
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
    if (!prev || !sameJson(prev, agent)) {
      changes.push({
        agentId: agent.agentId,
        before: prev ? clone(prev.shifts) : null,
        after: clone(agent.shifts),
      });
    }
  }
  for (const removed of old.values())
    changes.push({ agentId: removed.agentId, before: clone(removed.shifts), after: null });
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
