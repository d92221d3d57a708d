import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
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
  /** The tenant the plan names (WFM_TENANTS_FILE); undefined: none, the worker's own WFM. */
  getTenant(ref: PlanRef): Promise<string | undefined>;
}

export interface LocalPlanStoreOptions {
  /** Bytes of plan JSON kept parsed in memory, least recently used first out. Default 128 MiB. */
  cacheBytes?: number;
  /** A stored plan larger than this is refused on load, in bytes. Default 256 MiB. */
  maxPlanBytes?: number;
}

/** A plan as loaded, with the size of its file (what the cache budget counts). */
interface Loaded {
  plan: Plan;
  bytes: number;
}

/** A store in a local folder: the embedded default, for a client and workers on one machine. */
export class LocalPlanStore implements PlanStore {
  /** Plans parsed, least recently used out first once their files add up to more than the budget. */
  private readonly cache: LRUCache<PlanRef, Loaded>;
  /**
   * The last plan loaded that alone is bigger than the whole budget: the cache cannot hold it, but it is the plan in
   * use, and reading and hashing it again for every schedule would cost more than the memory it takes.
   */
  private oversized: { ref: PlanRef; plan: Plan } | undefined;
  private readonly maxPlanBytes: number;
  /** A schedule index per cached plan object, so each sync finds its schedule without a scan. */
  private readonly indexes = new WeakMap<Plan, Map<string, SchedulePlan>>();

  /** @param folder where plans live; created (owner-only) on first write. */
  constructor(
    private readonly folder: string,
    options: LocalPlanStoreOptions = {},
  ) {
    this.maxPlanBytes = options.maxPlanBytes ?? 256 * 2 ** 20;
    this.cache = new LRUCache<PlanRef, Loaded>({
      // lru-cache wants a positive budget; a budget of 0 keeps only the plan in use (`oversized`).
      maxSize: Math.max(1, options.cacheBytes ?? 128 * 2 ** 20),
      sizeCalculation: (loaded) => Math.max(1, loaded.bytes),
      // Concurrent reads of one plan share one load; a failed load is not kept.
      fetchMethod: (ref) => this.load(ref),
    });
  }

  async put(plan: Plan): Promise<PlanRef> {
    const bytes = JSON.stringify(plan);
    const ref = createHash('sha256').update(bytes).digest('hex');
    await writeFileAtomically(this.fileOf(ref), bytes);
    return ref;
  }

  async get(ref: PlanRef): Promise<Plan> {
    if (this.oversized?.ref === ref) return this.oversized.plan;
    const loaded = await this.cache.fetch(ref);
    if (!loaded) throw new Error(`stored plan ${this.fileOf(ref)} could not be loaded`);
    if (loaded.bytes > this.cache.maxSize) this.oversized = { ref, plan: loaded.plan };
    return loaded.plan;
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

  async getTenant(ref: PlanRef): Promise<string | undefined> {
    return (await this.get(ref)).tenant;
  }

  private async load(ref: PlanRef): Promise<Loaded> {
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
    return { plan: { ...plan, planId: plan.planId }, bytes: size };
  }

  private fileOf(ref: PlanRef): string {
    return path.join(this.folder, `${ref}.json`);
  }
}
