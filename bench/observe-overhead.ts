/**
 * What metrics and tracing cost: `npx tsx bench/observe-overhead.ts [SCHEDULES [ROUNDS]]` runs `bench:scale`
 * (SCHEDULES × 10 agents, default 500) and `bench:faults` (wfm-push's scenarios, without the per-agent script) with
 * metrics and tracing off, metrics on, tracing on, and both on (bench/observe.ts: scraped every 5 s; spans to an OTLP
 * receiver in the bench process), ROUNDS times (default 2), the order of the four rotated each round so a machine
 * that gets busier favours none. Prints every wall time and each setting's mean, side by side.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const numbers = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SCHEDULES = numbers[0] ?? '500';
const ROUNDS = Number(numbers[1] ?? 2);
const tsx = path.resolve(__dirname, '../node_modules/.bin/tsx');

const SETTINGS = [
  { name: 'off', flags: [] },
  { name: 'metrics', flags: ['--metrics'] },
  { name: 'tracing', flags: ['--tracing'] },
  { name: 'both', flags: ['--metrics', '--tracing'] },
] as const;

function bench(file: string, args: string[]): string {
  return execFileSync(tsx, [path.join(__dirname, file), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
}

/** bench:scale's wall time, in seconds. */
function scale(flags: readonly string[]): number {
  const out = bench('scale.ts', [SCHEDULES, ...flags]);
  const wall = /wall time: (\d+) s/.exec(out)?.[1];
  if (wall === undefined) throw new Error(`bench:scale printed no wall time:\n${out}`);
  console.log(
    `  scale: ${wall} s; ${/result: .*/.exec(out)?.[0] ?? ''}; ${/^machine: .*$/m.exec(out)?.[0] ?? ''}`,
  );
  return Number(wall);
}

/** bench:faults' scenarios' wall times, in seconds, by scenario. */
function faults(flags: readonly string[]): Map<string, number> {
  const out = bench('fault-matrix.ts', ['--no-baseline', ...flags]);
  const times = new Map<string, number>();
  for (const m of out.matchAll(/^(.{40}) +([\d.]+) s  .*invariant violations: (.*)$/gm)) {
    times.set(m[1]!.trim(), Number(m[2]));
    if (m[3] !== '0') throw new Error(`bench:faults found invariant violations (${m[3]}):\n${out}`);
  }
  if (times.size === 0) throw new Error(`bench:faults printed no scenario:\n${out}`);
  console.log(`  faults: ${[...times].map(([n, s]) => `${n} ${s} s`).join('; ')}`);
  console.log(`  ${/^observability: .*$/m.exec(out)?.[0] ?? ''}`);
  return times;
}

const scaleTimes = new Map<string, number[]>();
const faultTimes = new Map<string, Map<string, number[]>>();
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < SETTINGS.length; i++) {
    const setting = SETTINGS[(i + round) % SETTINGS.length]!;
    console.log(`round ${round + 1}, ${setting.name}:`);
    scaleTimes.set(setting.name, [...(scaleTimes.get(setting.name) ?? []), scale(setting.flags)]);
    const byScenario = faultTimes.get(setting.name) ?? new Map<string, number[]>();
    for (const [scenario, seconds] of faults(setting.flags))
      byScenario.set(scenario, [...(byScenario.get(scenario) ?? []), seconds]);
    faultTimes.set(setting.name, byScenario);
  }
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows: Array<[string, Map<string, number>]> = [];
rows.push([
  `bench:scale ${SCHEDULES} × 10`,
  new Map(SETTINGS.map((s) => [s.name, mean(scaleTimes.get(s.name) ?? [])])),
]);
for (const scenario of faultTimes.get('off')?.keys() ?? [])
  rows.push([
    `bench:faults ${scenario}`,
    new Map(SETTINGS.map((s) => [s.name, mean(faultTimes.get(s.name)?.get(scenario) ?? [])])),
  ]);
console.log(`\nmeans over ${ROUNDS} rounds, seconds (change against off):`);
console.log(`${''.padEnd(52)}${SETTINGS.map((s) => s.name.padStart(16)).join('')}`);
for (const [name, bySetting] of rows) {
  const off = bySetting.get('off') ?? NaN;
  const cells = SETTINGS.map((s) => {
    const v = bySetting.get(s.name) ?? NaN;
    const pct = s.name === 'off' ? '' : ` (${(((v - off) / off) * 100).toFixed(0)} %)`;
    return `${v.toFixed(1)}${pct}`.padStart(16);
  });
  console.log(`${name.padEnd(52)}${cells.join('')}`);
}
