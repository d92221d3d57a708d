import { DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../common/data-converter';
import { bundleWorkflows } from '../../worker/run-worker';

/**
 * What the workflow bundle may hold. The SDK runs every module of the bundle again for each workflow it creates (each
 * workflow gets module state of its own), so a library in the bundle costs its whole start-up on every schedule
 * push. zod was in it, through model/ modules that also hold schemas: its module functions ran 10,000 times in a
 * 10,000-schedule push until V8 optimised them, and optimising zod's largest one (escape analysis) took 400 MB of
 * native memory and 27 s on a compiler thread, most of the worker's memory peak (issue 22).
 */
const PACKAGES_ALLOWED = ['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc'];

function bundledPackages(code: string): Set<string> {
  const packages = new Set<string>();
  // Webpack names each module in a comment line: /***/ "./node_modules/<package>/…" (or "../main/node_modules/…" in
  // a git worktree whose node_modules is a link).
  for (const [, name] of code.matchAll(/^\/\*\*\*\/ "[^"]*?node_modules\/((?:@[^/"]+\/)?[^/"]+)\//gm))
    packages.add(name!);
  return packages;
}

describe('the workflow bundle', () => {
  let code: string;
  beforeAll(async () => {
    const bundle = await bundleWorkflows({
      logger: new DefaultLogger('WARN'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
    });
    code = 'code' in bundle ? bundle.code : '';
  });

  it('holds the workflows and the SDK, and no library a workflow does not need', () => {
    const packages = bundledPackages(code);
    expect(packages).toContain('@temporalio/workflow'); // the pattern still finds modules
    expect(packages).not.toContain('zod');
    expect([...packages].filter((p) => !PACKAGES_ALLOWED.includes(p))).toEqual([]);
  });

  it('holds no schema module (model/ modules with zod stay out)', () => {
    const ours = [...code.matchAll(/^\/\*\*\*\/ "\.\/(model\/[^"]+)"/gm)].map((m) => m[1]);
    expect(ours).toContain('model/failures.ts');
    expect(ours).not.toContain('model/plan.ts');
    expect(ours).not.toContain('model/shift.ts');
    expect(ours).not.toContain('model/push-start.ts');
    expect(ours).not.toContain('model/push-notice.ts');
  });
});
