import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../dev/processes';
import { ensureTemporalCli } from '../../dev/temporal-dev-server';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/**
 * What a user gets from `npm pack`: the tarball installs into an empty folder and its binary works there without
 * the repository, tsx or the TypeScript sources (help, and the whole demo on a dev server of its own).
 */
describe('the npm package', () => {
  it('installs from its tarball into an empty folder; --help and demo work there', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-pack-'));
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 << 20 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const app = path.join(dir, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, tarball ?? '')],
      { cwd: app, maxBuffer: 16 << 20 },
    );
    const bin = path.join(app, 'node_modules', '.bin', 'wfm-push');

    const help = await run(bin, ['--help'], { cwd: app });
    expect(help.stdout).toContain('Push bulk schedule updates');
    expect(help.stdout).toMatch(/demo \[options\]/);

    // The repository's pinned Temporal CLI, so the test does not install a second copy from PyPI.
    const env = { ...process.env, TEMPORAL_CLI_PATH: await ensureTemporalCli() };
    const demo = await run(
      bin,
      ['demo', '--schedules', '4', '--agents', '40', '--port', String(await freePort())],
      {
        cwd: app,
        env,
        maxBuffer: 16 << 20,
      },
    );
    expect(demo.stdout).toContain('every planned change is in place');
    expect(demo.stdout).toContain('Invariants hold');
  }, 600_000);
});
