/**
 * A tiny Prometheus metrics registry that renders the text exposition format 0.0.4: counters,
 * gauges and histograms owned by the registry, plus counters and gauges whose values are read from
 * elsewhere at scrape time.
 *
 * @module
 */

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;
type Sample = { labels: Labels; value: number };
type Kind = "counter" | "gauge" | "histogram";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (s: string) =>
  s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** A metric family: validated names and its series keyed by label values in `labelNames` order. */
abstract class Family<S> {
  readonly series = new Map<string, { values: string[]; state: S }>();
  constructor(readonly name: string, readonly labelNames: readonly string[]) {}

  /** Label values in declared order; throws on missing or unexpected labels so typos surface. */
  protected valuesOf(labels: Labels): string[] {
    const keys = Object.keys(labels);
    const missing = this.labelNames.filter((n) => !(n in labels));
    if (missing.length || keys.length !== this.labelNames.length) {
      throw new Error(
        `${this.name}: labels {${keys.join(",")}} do not match {${this.labelNames.join(",")}}`,
      );
    }
    return this.labelNames.map((n) => String(labels[n]));
  }

  protected stateFor(labels: Labels, init: () => S): S {
    const values = this.valuesOf(labels);
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, entry = { values, state: init() });
    return entry.state;
  }

  /** Rendered samples, without HELP/TYPE lines. */
  abstract lines(): string[];
}

export class Counter extends Family<{ v: number }> {
  inc(labels: Labels, by = 1): void {
    // Counters only go up; a negative or NaN step would corrupt rate() for every consumer.
    if (!(by >= 0)) throw new Error(`${this.name}: counter increment must be >= 0, got ${by}`);
    this.stateFor(labels, () => ({ v: 0 })).v += by;
  }
  lines(): string[] {
    return [...this.series.values()].map(({ values, state }) =>
      `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.v)}`
    );
  }
}

export class Gauge extends Family<{ v: number }> {
  set(labels: Labels, v: number): void {
    this.stateFor(labels, () => ({ v: 0 })).v = v;
  }
  lines(): string[] {
    return [...this.series.values()].map(({ values, state }) =>
      `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.v)}`
    );
  }
}

export class Histogram extends Family<{ counts: number[]; sum: number; count: number }> {
  constructor(name: string, labelNames: readonly string[], readonly buckets: readonly number[]) {
    super(name, labelNames);
  }
  observe(labels: Labels, v: number): void {
    const s = this.stateFor(
      labels,
      () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }),
    );
    // Per-bucket (non-cumulative) counts; render() accumulates them.
    const i = this.buckets.findIndex((b) => v <= b);
    if (i >= 0) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const { values, state } of this.series.values()) {
      let cum = 0;
      this.buckets.forEach((b, i) => {
        cum += state.counts[i];
        const le = labelText(this.labelNames, values, `le="${formatValue(b)}"`);
        out.push(`${this.name}_bucket${le} ${cum}`);
      });
      const inf = labelText(this.labelNames, values, 'le="+Inf"');
      out.push(`${this.name}_bucket${inf} ${state.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(state.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, values)} ${state.count}`);
    }
    return out;
  }
}

/** Counter or gauge whose samples come from a callback at every render. */
class Collected extends Family<never> {
  constructor(name: string, labelNames: readonly string[], readonly collect: () => Sample[]) {
    super(name, labelNames);
  }
  lines(): string[] {
    return this.collect().map(({ labels, value }) =>
      `${this.name}${labelText(this.labelNames, this.valuesOf(labels))} ${formatValue(value)}`
    );
  }
}

export class MetricsRegistry {
  readonly #families: Array<{ help: string; kind: Kind; family: Family<unknown> }> = [];

  #add<F extends Family<unknown>>(kind: Kind, help: string, family: F): F {
    const { name, labelNames } = family;
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (this.#families.some((f) => f.family.name === name)) {
      throw new Error(`metric ${name} is already registered`);
    }
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__")) {
        throw new Error(`${name}: invalid label name ${JSON.stringify(l)}`);
      }
      if (kind === "histogram" && l === "le") throw new Error(`${name}: "le" is reserved`);
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new Error(`${name}: duplicate label names`);
    }
    this.#families.push({ help, kind, family });
    return family;
  }

  counter(name: string, help: string, labelNames: string[]): Counter {
    return this.#add("counter", help, new Counter(name, [...labelNames]));
  }
  gauge(name: string, help: string, labelNames: string[]): Gauge {
    return this.#add("gauge", help, new Gauge(name, [...labelNames]));
  }
  histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
    const ok = buckets.length > 0 &&
      buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > buckets[i - 1]));
    if (!ok) throw new Error(`${name}: buckets must be finite and strictly increasing`);
    return this.#add("histogram", help, new Histogram(name, [...labelNames], [...buckets]));
  }
  /** Gauges whose value is read at scrape time. */
  gaugeFn(name: string, help: string, labelNames: string[], collect: () => Sample[]): void {
    this.#add("gauge", help, new Collected(name, [...labelNames], collect));
  }
  /** Counters whose value is kept elsewhere and read at scrape time. */
  counterFn(name: string, help: string, labelNames: string[], collect: () => Sample[]): void {
    this.#add("counter", help, new Collected(name, [...labelNames], collect));
  }

  /** The full exposition text. A throwing collect callback propagates (the scrape fails). */
  render(): string {
    const out: string[] = [];
    for (const { help, kind, family } of this.#families) {
      out.push(`# HELP ${family.name} ${escapeHelp(help)}`, `# TYPE ${family.name} ${kind}`);
      out.push(...family.lines());
    }
    return out.length ? out.join("\n") + "\n" : "";
  }

  /** Removes every series with this label value (e.g. a deleted stream) from owned metrics. */
  removeLabel(labelName: string, value: string): void {
    for (const { family } of this.#families) {
      const i = family.labelNames.indexOf(labelName);
      if (i < 0) continue;
      for (const [key, { values }] of family.series) {
        if (values[i] === value) family.series.delete(key);
      }
    }
  }
}
