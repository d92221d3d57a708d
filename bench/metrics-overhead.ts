/**
 * What metrics cost: `npx tsx bench/metrics-overhead.ts [SCHEDULES [PAIRS]]` runs `bench:scale` with the workers'
 * /metrics off and on (scraped every 5 s), alternating, PAIRS times (default 2; SCHEDULES default 1,000), and prints
 * each wall time and the mean of each side. Alternating keeps a machine that gets busier from favouring one side.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const numbers = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SCHEDULES = numbers[0] ?? '1000';
const PAIRS = Number(numbers[1] ?? 2);
const tsx = path.resolve(__dirname, '../node_modules/.bin/tsx');

function wallSeconds(metrics: boolean): number {
  const out = execFileSync(
    tsx,
    [path.join(__dirname, 'scale.ts'), SCHEDULES, ...(metrics ? ['--metrics'] : [])],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const wall = /wall time: (\d+) s/.exec(out)?.[1];
  const result = /result: .*/.exec(out)?.[0];
  if (wall === undefined) throw new Error(`bench:scale printed no wall time:\n${out}`);
  console.log(`metrics ${metrics ? 'on ' : 'off'}: ${wall} s; ${result}`);
  return Number(wall);
}

const off: number[] = [];
const on: number[] = [];
for (let i = 0; i < PAIRS; i++) {
  off.push(wallSeconds(false));
  on.push(wallSeconds(true));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `bench:scale ${SCHEDULES} schedules × 10 agents, ${PAIRS} pairs: off mean ${mean(off).toFixed(1)} s, on mean ${mean(on).toFixed(1)} s (${(((mean(on) - mean(off)) / mean(off)) * 100).toFixed(1)} %)`,
);
