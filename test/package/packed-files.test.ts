import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/** The modules that serve only tests and benchmarks (test/infra/), by name. */
const INFRA_MODULES = readdirSync(path.join(ROOT, 'test', 'infra')).map((file) => file.replace(/\.ts$/, ''));

/** A path of test infrastructure, as a source or as what the build makes of it (`.js`, `.js.map`, `.d.ts`). */
function isTestInfrastructure(file: string): boolean {
  const parts = file.split(/[\\/]/);
  const module = (parts.at(-1) ?? '').replace(/(\.d)?\.(ts|js)(\.map)?$/, '');
  return parts.includes('test') || parts.includes('bench') || INFRA_MODULES.includes(module);
}

const packSchema = z.array(z.object({ files: z.array(z.object({ path: z.string() })) })).length(1);

/**
 * The tarball and the image (which installs the tarball) hold what `wfm-push` runs, including the simulators of `demo`
 * and `sim`, and none of the workshop: the cluster and its server build, PostgreSQL, fault scenarios, the per-agent
 * script, tests and benchmarks.
 */
describe('the packed files', () => {
  it('the build compiles no test infrastructure', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const { stdout } = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    });
    const compiled = stdout
      .split('\n')
      .filter((file) => file.startsWith(ROOT) && !file.includes('/node_modules/'))
      .map((file) => path.relative(ROOT, file));
    expect(compiled).toContain('cli/main.ts');
    expect(compiled).toContain('dev/simulator/wfm-simulator.ts'); // `wfm-push demo` and `sim` need it
    expect(compiled.filter(isTestInfrastructure)).toEqual([]);
  });

  it('npm pack lists no test infrastructure (else: npm run clean, then build)', async () => {
    // --ignore-scripts: the files as built now; prepack builds a clean dist/ for a real pack.
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    });
    const files = packSchema.parse(JSON.parse(stdout))[0]!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['bin/wfm-push.js', 'README.md', 'package.json']));
    expect(files.filter(isTestInfrastructure)).toEqual([]);
  });
});
