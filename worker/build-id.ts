import { execFileSync } from 'node:child_process';
import { packageRoot, packageVersion } from '../common/package-root';

/**
 * The build ID a worker declares when WFM_PUSH_BUILD_ID is unset: the package version, plus the git revision of the
 * checkout it runs from when there is one (`0.1.0+3f2c1a9b7d0e`); an installed package (no `.git`) has only its
 * version, so two builds of one version from a tarball need WFM_PUSH_BUILD_ID to tell them apart.
 */
export function defaultBuildId(): string {
  const version = packageVersion();
  const revision = gitRevision(packageRoot());
  return revision === undefined ? version : `${version}+${revision}`;
}

function gitRevision(folder: string): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: folder,
      timeout: 2_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    }).trim();
    return /^[0-9a-f]{7,40}$/.test(out) ? out : undefined;
  } catch {
    return undefined; // No git, or not a checkout: the version alone.
  }
}
