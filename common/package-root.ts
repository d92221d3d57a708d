import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let root: string | undefined;

/**
 * The folder of wfm-push's package.json, found from this file, so the same code finds the binary and its tools cache
 * whether it runs from the TypeScript sources, from `dist/`, or from an installed tarball.
 */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wfm-push'
    )
      return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`no wfm-push package.json above ${__dirname}`);
  }
}

/** wfm-push's version, from its package.json. */
export function packageVersion(): string {
  const manifest = path.join(packageRoot(), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
