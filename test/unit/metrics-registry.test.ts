import { MetricsRegistry, PROMETHEUS_TEXT_TYPE } from '../../common/metrics-registry';
import { startMetricsServer } from '../../worker/metrics-server';
import { createWorkerMetrics } from '../../worker/metrics';

describe('metrics registry (Prometheus text format 0.0.4)', () => {
  it('renders HELP and TYPE, labelled counters, a gauge read at scrape time, and cumulative histogram buckets', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter('x_requests_total', 'Requests.\nSecond line \\ here.', ['status']);
    let rate = 2.5;
    registry.gauge('x_rate', 'Rate.', () => rate);
    const seconds = registry.histogram('x_seconds', 'Seconds.', [0.1, 1]);
    requests.inc({ status: '200' });
    requests.inc({ status: '200' }, 2);
    requests.inc({ status: 'a"b\\c\nd' });
    for (const v of [0.05, 0.1, 0.5, 7]) seconds.observe(v);
    rate = 4;

    expect(registry.render()).toBe(
      [
        '# HELP x_requests_total Requests.\\nSecond line \\\\ here.',
        '# TYPE x_requests_total counter',
        'x_requests_total{status="200"} 3',
        'x_requests_total{status="a\\"b\\\\c\\nd"} 1',
        '# HELP x_rate Rate.',
        '# TYPE x_rate gauge',
        'x_rate 4',
        '# HELP x_seconds Seconds.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{le="0.1"} 2',
        'x_seconds_bucket{le="1"} 3',
        'x_seconds_bucket{le="+Inf"} 4',
        'x_seconds_sum 7.65',
        'x_seconds_count 4',
        '',
      ].join('\n'),
    );
  });

  it('refuses what would make an invalid exposition: bad names, a name twice, a counter going down, unsorted buckets', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('bad-name', 'x')).toThrow(/metric name/);
    registry.counter('ok_total', 'x');
    expect(() => registry.gauge('ok_total', 'x', () => 1)).toThrow(/declared twice/);
    expect(() => registry.counter('c_total', 'x', ['le'])).toThrow(/label name/);
    expect(() => registry.counter('d_total', 'x').inc({}, -1)).toThrow(/only goes up/);
    expect(() => registry.histogram('h', 'x', [1, 1])).toThrow(/increasing/);
  });

  it("declares the worker's series at zero, so that rate() and the alerts see them before the first event", () => {
    const text = createWorkerMetrics().registry.render();
    for (const outcome of ['applied', 'already-in-place', 'kept-theirs', 'protected', 'failed'])
      expect(text).toContain(`wfm_push_agents_total{outcome="${outcome}"} 0`);
    expect(text).toContain('wfm_push_schedules_total{outcome="failed"} 0');
    expect(text).toContain('wfm_push_rate_limit_per_second 0');
    expect(text).toContain('wfm_push_conflicts_total 0\n');
    expect(text).toContain('wfm_push_sync_seconds_bucket{le="+Inf"} 0\n');
  });

  it("labels a tenant's WFM requests, pauses and rate with its tenant, and the worker's own WFM with none", () => {
    const metrics = createWorkerMetrics();
    metrics.wfm.requestEnded(200, 0.1);
    metrics.wfm.rateFrom(() => 4);
    const acme = metrics.wfmFor('acme');
    // Declared at 0 before its first request, as the worker's own series are.
    expect(metrics.registry.render()).toContain('wfm_push_retry_after_pauses_total{tenant="acme"} 0\n');
    acme.requestEnded(429, 0.2);
    acme.retryAfterPause();
    acme.rateFrom(() => 0.5);
    // The same tenant again (a reload changed it: a new adapter): the series go on, not twice.
    metrics.wfmFor('acme').requestEnded(429, 0.2);
    const text = metrics.registry.render();
    expect(text).toContain('wfm_push_wfm_requests_total{status="200"} 1\n');
    expect(text).toContain('wfm_push_wfm_requests_total{status="429",tenant="acme"} 2\n');
    expect(text).toContain('wfm_push_retry_after_pauses_total 0\n');
    expect(text).toContain('wfm_push_retry_after_pauses_total{tenant="acme"} 1\n');
    expect(text).toContain('wfm_push_rate_limit_per_second 4\n');
    expect(text).toContain('wfm_push_rate_limit_per_second{tenant="acme"} 0.5\n');
    expect(text.match(/^wfm_push_rate_limit_per_second/gm)).toHaveLength(2);
  });

  it('serves /metrics with the SDK endpoint merged in, and says when that endpoint does not answer', async () => {
    const registry = new MetricsRegistry();
    registry.counter('x_total', 'X.').inc();
    const sdk = await startMetricsServer({ address: '127.0.0.1:0', registry: sdkLike() });
    const merged = await startMetricsServer({ address: '127.0.0.1:0', registry, sdkMetricsUrl: sdk.url });
    try {
      const res = await fetch(merged.url);
      expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT_TYPE);
      const text = await res.text();
      expect(text).toMatch(/^# HELP x_total X\.\n# TYPE x_total counter\nx_total 1\n/);
      expect(text).toContain('wfm_push_sdk_metrics_up 1\n');
      expect(text).toContain('temporal_request_total 5\n');
      expect((await fetch(merged.url.replace('/metrics', '/'))).status).toBe(404);
      await sdk.close();
      const without = await (await fetch(merged.url)).text();
      expect(without).toContain('wfm_push_sdk_metrics_up 0\n');
      expect(without).not.toContain('temporal_request');
    } finally {
      await Promise.all([merged.close(), sdk.close()]);
    }
  });
});

function sdkLike(): MetricsRegistry {
  const registry = new MetricsRegistry();
  registry.counter('temporal_request_total', 'SDK requests.').inc({}, 5);
  return registry;
}
