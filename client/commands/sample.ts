import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSample, type SampleOptions } from '../../simulator/sample';

/** `wfm-push sample`: a plan and the matching simulator seed, for trying the push. */
export async function sampleCommand(
  options: SampleOptions & { outPlan: string; outSeed: string },
): Promise<void> {
  const { outPlan, outSeed, ...sampleOptions } = options;
  const sample = generateSample(sampleOptions);
  for (const file of [outPlan, outSeed]) await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(outPlan, JSON.stringify(sample.plan, null, 2));
  await writeFile(outSeed, JSON.stringify({ schedules: sample.documents }, null, 2));
  process.stderr.write(
    `Wrote plan ${outPlan} (${sample.plan.schedules.length} schedules) and seed ${outSeed}\n`,
  );
}
