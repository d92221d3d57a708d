import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { planSchema, type Plan } from '../model/plan';
import { writeFileAtomically } from './atomic-file';

/** A stored plan's address: the SHA-256 of its bytes, so storing the same plan twice gives the same reference. */
export type PlanRef = string;

/**
 * Plans are stored once (claim check) and workflows carry only the reference, so no plan comes near Temporal's
 * payload limits. Client and workers must see the same store.
 */
export interface PlanStore {
  put(plan: Plan): Promise<PlanRef>;
  get(ref: PlanRef): Promise<Plan>;
}

/** A store in a local folder: the embedded default, for a client and workers on one machine. */
export class LocalPlanStore implements PlanStore {
  private readonly cache = new Map<PlanRef, Promise<Plan>>();

  /** @param folder where plans live; created on first write. */
  constructor(
    private readonly folder: string,
    /** Parsed plans kept in memory. Default 4. */
    private readonly cacheSize = 4,
  ) {}

  async put(plan: Plan): Promise<PlanRef> {
    const bytes = JSON.stringify(plan);
    const ref = createHash('sha256').update(bytes).digest('hex');
    await writeFileAtomically(this.fileOf(ref), bytes);
    return ref;
  }

  get(ref: PlanRef): Promise<Plan> {
    const hit = this.cache.get(ref);
    if (hit) return hit;
    const loading = this.load(ref);
    this.cache.set(ref, loading);
    loading.catch(() => this.cache.delete(ref));
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as PlanRef;
      this.cache.delete(oldest);
    }
    return loading;
  }

  private async load(ref: PlanRef): Promise<Plan> {
    if (!/^[0-9a-f]{64}$/.test(ref)) throw new Error(`not a plan reference: ${ref}`);
    const plan = planSchema.parse(JSON.parse(await readFile(this.fileOf(ref), 'utf8')));
    if (!plan.planId) throw new Error(`stored plan ${ref} has no planId`);
    return { ...plan, planId: plan.planId };
  }

  private fileOf(ref: PlanRef): string {
    return path.join(this.folder, `${ref}.json`);
  }
}
