import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** The metric names a PromQL text uses (`wfm_push_…`, `temporal_…`), without histogram suffixes. */
export function metricsUsed(promql: string): string[] {
  const names = promql.match(/\b(?:wfm_push|temporal)_[a-zA-Z0-9_]+/g) ?? [];
  return [...new Set(names.map((n) => n.replace(/_(bucket|sum|count)$/, '')))].sort();
}

/** Every PromQL expression of the alert rules and of the Grafana dashboard, as one text. */
export function deployedPromql(): { rules: string; dashboard: string } {
  const rules = readFileSync(path.join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8');
  const dashboard = JSON.parse(
    readFileSync(path.join(ROOT, 'deploy/grafana/dashboards/wfm-push.json'), 'utf8'),
  ) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  return { rules, dashboard: exprs.join('\n') };
}

/**
 * The Temporal SDK's metric names as its native core defines them (the worker serves them prefixed `temporal_`, with
 * `_total` on counters): read from the core bridge's binary, so that a name the SDK does not have fails the check.
 */
export function sdkCoreDefines(name: string): boolean {
  const base = name.replace(/^temporal_/, '').replace(/_total$/, '');
  const bridge = path.dirname(require.resolve('@temporalio/core-bridge/package.json'));
  const binary = readFileSync(
    path.join(
      bridge,
      'releases',
      `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-unknown-linux-gnu`,
      'index.node',
    ),
  );
  return binary.includes(Buffer.from(base));
}
