import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSample } from '../../dev/sample';
import { LocalPlanStore } from '../../stores/plan-store';

describe('the local plan store', () => {
  const folder = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'plans-')), 'plans');
  const plans = Array.from(
    { length: 5 },
    (_, i) => generateSample({ schedules: 3, agents: 15, planId: `p-${i}` }).plan,
  );

  it('keeps five plans in use at once in memory (the cache is sized by bytes, not four entries)', async () => {
    const dir = folder();
    const store = new LocalPlanStore(dir);
    const refs = await Promise.all(plans.map((p) => store.put(p)));
    for (const ref of refs) await store.get(ref);
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f));
    // Every plan is still served: none was evicted and read again.
    for (const [i, ref] of refs.entries()) expect((await store.get(ref)).planId).toBe(`p-${i}`);
  });

  it('evicts the least recently used plan first when over its byte budget', async () => {
    const dir = folder();
    const refs = await Promise.all(plans.slice(0, 3).map((p) => new LocalPlanStore(dir).put(p)));
    const size = statSync(path.join(dir, `${refs[0]}.json`)).size;
    const store = new LocalPlanStore(dir, { cacheBytes: Math.ceil(size * 2.5) });
    await store.get(refs[0] ?? '');
    await store.get(refs[1] ?? '');
    await store.get(refs[0] ?? ''); // p-0 is now the most recently used
    await store.get(refs[2] ?? ''); // over budget: p-1 goes, not p-0
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f));
    await expect(store.get(refs[0] ?? '')).resolves.toMatchObject({ planId: 'p-0' });
    await expect(store.get(refs[1] ?? '')).rejects.toThrow();
  });

  it('keeps the plan in use even when it alone is over the budget, and reads it once', async () => {
    const dir = folder();
    const refs = await Promise.all(plans.slice(0, 2).map((p) => new LocalPlanStore(dir).put(p)));
    const store = new LocalPlanStore(dir, { cacheBytes: 1 });
    await store.get(refs[0] ?? '');
    rmSync(path.join(dir, `${refs[0]}.json`));
    // Every schedule of the plan in use is served from memory, not read (and hashed) again.
    await expect(store.getSchedule(refs[0] ?? '', plans[0]!.schedules[1]!.scheduleId)).resolves.toBeDefined();
    // Another plan takes its place.
    await store.get(refs[1] ?? '');
    await expect(store.get(refs[0] ?? '')).rejects.toThrow();
  });

  it('writes owner-only files and refuses a plan whose bytes no longer match their hash', async () => {
    const dir = folder();
    const ref = await new LocalPlanStore(dir).put(plans[0] ?? plans[1]!);
    const file = path.join(dir, `${ref}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    writeFileSync(file, JSON.stringify({ ...plans[0], planId: 'tampered' }));
    await expect(new LocalPlanStore(dir).get(ref)).rejects.toThrow(/does not match its SHA-256/);
  });
});
