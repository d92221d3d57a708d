import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { planSchema, type Plan, type SchedulePlan } from '../model/plan';
import { writeFileAtomically } from '../common/atomic-file';
import { StoredPlanMissing } from './store-errors';

/** A stored plan's address: the SHA-256 of its bytes, so storing the same plan twice gives the same reference. */
export type PlanRef = string;

/**
 * Plans are stored once (claim check) and workflows carry only the reference, so no plan comes near Temporal's
 * payload limits. Client and workers must see the same store. Every read checks the content against its reference:
 * a changed or damaged plan is refused, never pushed.
 */
export interface PlanStore {
  /** Stores the plan unless it is already there (write-once); the same content gives the same reference. */
  put(plan: Plan): Promise<PlanRef>;
  get(ref: PlanRef): Promise<Plan>;
  /** The schedules from `offset` (0-based, in plan order), at most `limit`; none past the end. */
  getSchedules(ref: PlanRef, offset: number, limit: number): Promise<SchedulePlan[]>;
  /** One schedule of the plan; undefined when the plan has none with that ID. */
  getSchedule(ref: PlanRef, scheduleId: string): Promise<SchedulePlan | undefined>;
}

export interface LocalPlanStoreOptions {
  /** Bytes of plan JSON kept parsed in memory, least recently used first out. Default 128 MiB. */
  cacheBytes?: number;
  /** A stored plan larger than this is refused on load, in bytes. Default 256 MiB. */
  maxPlanBytes?: number;
}

/** A store in a local folder: the embedded default, for a client and workers on one machine. */
export class LocalPlanStore implements PlanStore {
  /** In insertion order = least recently used first. */
  private readonly cache = new Map<PlanRef, { plan: Promise<Plan>; bytes: number }>();
  private cachedBytes = 0;
  private readonly cacheBytes: number;
  private readonly maxPlanBytes: number;
  /** A schedule index per cached plan object, so each sync finds its schedule without a scan. */
  private readonly indexes = new WeakMap<Plan, Map<string, SchedulePlan>>();

  /** @param folder where plans live; created (owner-only) on first write. */
  constructor(
    private readonly folder: string,
    options: LocalPlanStoreOptions = {},
  ) {
    this.cacheBytes = options.cacheBytes ?? 128 * 2 ** 20;
    this.maxPlanBytes = options.maxPlanBytes ?? 256 * 2 ** 20;
  }

  async put(plan: Plan): Promise<PlanRef> {
    const bytes = JSON.stringify(plan);
    const ref = createHash('sha256').update(bytes).digest('hex');
    await writeFileAtomically(this.fileOf(ref), bytes);
    return ref;
  }

  get(ref: PlanRef): Promise<Plan> {
    const hit = this.cache.get(ref);
    if (hit) {
      // Used again: move it to the back of the eviction order.
      this.cache.delete(ref);
      this.cache.set(ref, hit);
      return hit.plan;
    }
    const entry = { plan: this.load(ref), bytes: 0 };
    this.cache.set(ref, entry);
    entry.plan.then(
      () => this.evictBeyondBudget(),
      () => this.forget(ref),
    );
    return entry.plan;
  }

  async getSchedules(ref: PlanRef, offset: number, limit: number): Promise<SchedulePlan[]> {
    return (await this.get(ref)).schedules.slice(offset, offset + limit);
  }

  async getSchedule(ref: PlanRef, scheduleId: string): Promise<SchedulePlan | undefined> {
    const plan = await this.get(ref);
    let index = this.indexes.get(plan);
    if (!index) {
      index = new Map(plan.schedules.map((s) => [s.scheduleId, s]));
      this.indexes.set(plan, index);
    }
    return index.get(scheduleId);
  }

  private async load(ref: PlanRef): Promise<Plan> {
    if (!/^[0-9a-f]{64}$/.test(ref)) throw new Error(`not a plan reference: ${ref}`);
    const file = this.fileOf(ref);
    const size = await stat(file).then(
      (s) => s.size,
      (err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new StoredPlanMissing(`no stored plan ${ref} in ${this.folder}`) : err;
      },
    );
    if (size > this.maxPlanBytes)
      throw new Error(`stored plan ${file} is ${size} bytes, more than the ${this.maxPlanBytes} allowed`);
    const text = await readFile(file, 'utf8');
    // Content-addressed: a file whose bytes no longer hash to its name was changed or damaged. Never push it.
    if (createHash('sha256').update(text).digest('hex') !== ref)
      throw new Error(
        `stored plan ${file} does not match its SHA-256 (changed or damaged); refusing to use it`,
      );
    const plan = planSchema.parse(JSON.parse(text));
    if (!plan.planId) throw new Error(`stored plan ${file} has no planId`);
    const entry = this.cache.get(ref);
    if (entry) {
      entry.bytes = size;
      this.cachedBytes += size;
    }
    return { ...plan, planId: plan.planId };
  }

  private evictBeyondBudget(): void {
    for (const [ref, entry] of this.cache) {
      // The newest plan stays even when it alone is over budget: it is the one being used.
      if (this.cachedBytes <= this.cacheBytes || this.cache.size <= 1) return;
      if (entry.bytes > 0) this.forget(ref);
    }
  }

  private forget(ref: PlanRef): void {
    const entry = this.cache.get(ref);
    if (!entry) return;
    this.cachedBytes -= entry.bytes;
    this.cache.delete(ref);
  }

  private fileOf(ref: PlanRef): string {
    return path.join(this.folder, `${ref}.json`);
  }
}
