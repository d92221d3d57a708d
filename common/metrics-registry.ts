/**
 * A small Prometheus registry: counters, gauges and histograms, rendered in the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Only what the worker's own metrics need; the
 * Temporal SDK's metrics come from its runtime, not from here. Label names are fixed when a metric is declared, and
 * callers pass only bounded values (HTTP status, outcome, a tenant of the tenants file): never a plan, schedule or agent
 * ID. A label whose value is empty is left out of the sample, as Prometheus reads it anyway: a series labelled
 * `tenant=""` is the series without the label, so adding a label with an empty default keeps every existing series.
 */

/** The `Content-Type` of what `render` returns. */
export const PROMETHEUS_TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type LabelValues<L extends string> = Readonly<Record<L, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  samples(): string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Series by their label values, in declaration order of the label names. */
class Series<L extends string, V> {
  private readonly byKey = new Map<string, { labels: string; value: V }>();

  constructor(
    private readonly metric: string,
    private readonly labelNames: readonly L[],
    private readonly empty: () => V,
  ) {
    for (const label of labelNames)
      if (!LABEL.test(label) || label === 'le')
        throw new Error(`Expected a label name of ${metric} to match ${LABEL.source}, got "${label}"`);
  }

  get(values: LabelValues<L>): V {
    const parts = this.labelNames.map((l) => {
      const v = values[l];
      if (typeof v !== 'string') throw new Error(`${this.metric}: label "${l}" has no value`);
      return v;
    });
    const key = parts.join('\u0000');
    let series = this.byKey.get(key);
    if (!series) {
      const labels = this.labelNames
        .flatMap((l, i) => (parts[i] ? [`${l}="${escapeLabel(parts[i])}"`] : []))
        .join(',');
      series = { labels, value: this.empty() };
      this.byKey.set(key, series);
    }
    return series.value;
  }

  entries(): Array<{ labels: string; value: V }> {
    return [...this.byKey.values()];
  }
}

export class Counter<L extends string = never> implements Family {
  readonly type = 'counter';
  private readonly series: Series<L, { n: number }>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly L[] = [],
  ) {
    this.series = new Series(name, labelNames, () => ({ n: 0 }));
    // Without labels, the one series exists from the start (at 0), as a scrape before the first event should show.
    if (labelNames.length === 0) this.series.get({} as LabelValues<L>);
  }

  /** Adds `by` (default 1; never negative: a counter only goes up). */
  inc(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up, got ${by}`);
    this.series.get(labels).n += by;
  }

  /** Declares a series at 0, so that it is scraped (and `rate()` works) before its first event. */
  zero(labels: LabelValues<L>): void {
    this.series.get(labels);
  }

  samples(): string[] {
    return this.series.entries().map(({ labels, value }) => sample(this.name, labels, value.n));
  }
}

export class Gauge implements Family {
  readonly type = 'gauge';

  /** `read` is called at every scrape: the gauge is whatever it returns then. */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  samples(): string[] {
    return [sample(this.name, '', this.read())];
  }
}

/** A gauge with labels: each series is read at every scrape from the function given for its label values. */
export class LabeledGauge<L extends string> implements Family {
  readonly type = 'gauge';
  private readonly series: Series<L, { read: () => number }>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly L[],
  ) {
    this.series = new Series(name, labelNames, () => ({ read: () => 0 }));
  }

  /** Declares the series of `labels` (at 0 until it is given a reader), so that it is scraped from the start. */
  zero(labels: LabelValues<L>): void {
    this.series.get(labels);
  }

  /** The series of `labels` is what `read` returns at each scrape from now on. */
  readFrom(labels: LabelValues<L>, read: () => number): void {
    this.series.get(labels).read = read;
  }

  samples(): string[] {
    return this.series.entries().map(({ labels, value }) => sample(this.name, labels, value.read()));
  }
}

export class Histogram<L extends string = never> implements Family {
  readonly type = 'histogram';
  private readonly series: Series<L, { counts: number[]; sum: number; count: number }>;

  /** `buckets`: upper bounds, increasing, without `+Inf` (always added). */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    labelNames: readonly L[] = [],
  ) {
    if (
      buckets.length === 0 ||
      buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))
    )
      throw new Error(
        `Expected the buckets of ${name} to be finite and increasing, got ${buckets.join(', ')}`,
      );
    this.series = new Series(name, labelNames, () => ({ counts: buckets.map(() => 0), sum: 0, count: 0 }));
    if (labelNames.length === 0) this.series.get({} as LabelValues<L>);
  }

  observe(value: number, labels: LabelValues<L> = {} as LabelValues<L>): void {
    const s = this.series.get(labels);
    // Buckets are cumulative in the text format; counting each observation in its own bucket keeps `observe` cheap.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  samples(): string[] {
    return this.series.entries().flatMap(({ labels, value }) => {
      const sep = labels === '' ? '' : `${labels},`;
      let cumulative = 0;
      const lines = this.buckets.map((b, i) => {
        cumulative += value.counts[i] ?? 0;
        return sample(`${this.name}_bucket`, `${sep}le="${formatNumber(b)}"`, cumulative);
      });
      lines.push(sample(`${this.name}_bucket`, `${sep}le="+Inf"`, value.count));
      lines.push(sample(`${this.name}_sum`, labels, value.sum));
      lines.push(sample(`${this.name}_count`, labels, value.count));
      return lines;
    });
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.add(new Counter<L>(name, help, labelNames));
  }

  gauge(name: string, help: string, read: () => number): Gauge {
    return this.add(new Gauge(name, help, read));
  }

  labeledGauge<L extends string>(name: string, help: string, labelNames: readonly L[]): LabeledGauge<L> {
    return this.add(new LabeledGauge<L>(name, help, labelNames));
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return this.add(new Histogram<L>(name, help, buckets, labelNames));
  }

  /** Every metric in the text format 0.0.4: HELP and TYPE, then its samples; ends with a newline. */
  render(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${f.name} ${f.type}`);
      lines.push(...f.samples());
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  private add<F extends Family>(family: F): F {
    if (!NAME.test(family.name))
      throw new Error(`Expected a metric name to match ${NAME.source}, got "${family.name}"`);
    if (this.families.has(family.name)) throw new Error(`metric ${family.name} is declared twice`);
    this.families.set(family.name, family);
    return family;
  }
}

function sample(name: string, labels: string, value: number): string {
  return `${name}${labels === '' ? '' : `{${labels}}`} ${formatNumber(value)}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
