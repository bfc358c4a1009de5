/**
 * Tests for the Prometheus registry: exact exposition text, escaping, name validation, series
 * removal and scrape-time collectors.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CONTENT_TYPE, MetricsRegistry } from "../../src/server/prometheus.ts";

Deno.test("render gives exact text for counter, gauge and histogram", () => {
  const r = new MetricsRegistry();
  const frames = r.counter("frames_total", "Frames decoded.", ["stream"]);
  const up = r.gauge("up", "Whether the server is up.", []);
  const lat = r.histogram("latency_seconds", "Frame latency.", ["stream"], [0.1, 0.5, 1]);
  frames.inc({ stream: "a" });
  frames.inc({ stream: "a" }, 2);
  frames.inc({ stream: "b" });
  up.set({}, 1);
  for (const v of [0.05, 0.1, 0.3, 2]) lat.observe({ stream: "a" }, v);
  assert.equal(
    r.render(),
    [
      "# HELP frames_total Frames decoded.",
      "# TYPE frames_total counter",
      'frames_total{stream="a"} 3',
      'frames_total{stream="b"} 1',
      "# HELP up Whether the server is up.",
      "# TYPE up gauge",
      "up 1",
      "# HELP latency_seconds Frame latency.",
      "# TYPE latency_seconds histogram",
      'latency_seconds_bucket{stream="a",le="0.1"} 2',
      'latency_seconds_bucket{stream="a",le="0.5"} 3',
      'latency_seconds_bucket{stream="a",le="1"} 3',
      'latency_seconds_bucket{stream="a",le="+Inf"} 4',
      'latency_seconds_sum{stream="a"} 2.45',
      'latency_seconds_count{stream="a"} 4',
      "",
    ].join("\n"),
  );
  assert.equal(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("label values and help text are escaped; non-finite values spelled out", () => {
  const r = new MetricsRegistry();
  const g = r.gauge("g", 'Help with \\ and\nnewline and "quotes".', ["l"]);
  g.set({ l: 'a\\b"c\nd' }, NaN);
  g.set({ l: "pos" }, Infinity);
  g.set({ l: "neg" }, -Infinity);
  assert.equal(
    r.render(),
    [
      '# HELP g Help with \\\\ and\\nnewline and "quotes".',
      "# TYPE g gauge",
      'g{l="a\\\\b\\"c\\nd"} NaN',
      'g{l="pos"} +Inf',
      'g{l="neg"} -Inf',
      "",
    ].join("\n"),
  );
});

Deno.test("invalid or duplicate names throw", () => {
  const r = new MetricsRegistry();
  r.counter("ok_total", "x", ["stream"]);
  assert.throws(() => r.counter("ok_total", "x", []), /already registered/);
  assert.throws(() => r.gauge("ok_total", "x", []), /already registered/);
  assert.throws(() => r.counter("1bad", "x", []), /invalid metric name/);
  assert.throws(() => r.counter("has-dash", "x", []), /invalid metric name/);
  assert.throws(() => r.counter("", "x", []), /invalid metric name/);
  assert.throws(() => r.gauge("g1", "x", ["__reserved"]), /invalid label name/);
  assert.throws(() => r.gauge("g2", "x", ["with:colon"]), /invalid label name/);
  assert.throws(() => r.gauge("g3", "x", ["a", "a"]), /duplicate label/);
  assert.throws(() => r.histogram("h1", "x", ["le"], [1]), /reserved/);
  assert.throws(() => r.histogram("h2", "x", [], [2, 1]), /strictly increasing/);
  assert.throws(() => r.histogram("h3", "x", [], [1, Infinity]), /finite/);
  r.counter("ns:metric_total", "colons are fine in metric names", []);
});

Deno.test("wrong labels and negative counter increments throw", () => {
  const r = new MetricsRegistry();
  const c = r.counter("c_total", "x", ["stream"]);
  assert.throws(() => c.inc({}), /do not match/);
  assert.throws(() => c.inc({ stream: "a", extra: "b" }), /do not match/);
  assert.throws(() => c.inc({ stream: "a" }, -1), />= 0/);
  assert.throws(() => c.inc({ stream: "a" }, NaN), />= 0/);
});

Deno.test("removeLabel removes every series with that value", () => {
  const r = new MetricsRegistry();
  const c = r.counter("c_total", "c", ["stream", "kind"]);
  const g = r.gauge("g", "g", ["stream"]);
  const h = r.histogram("h", "h", ["stream"], [1]);
  const other = r.gauge("other", "o", ["node"]);
  c.inc({ stream: "a", kind: "x" });
  c.inc({ stream: "a", kind: "y" });
  c.inc({ stream: "b", kind: "x" });
  g.set({ stream: "a" }, 5);
  h.observe({ stream: "a" }, 0.5);
  other.set({ node: "a" }, 1);
  r.removeLabel("stream", "a");
  assert.equal(
    r.render(),
    [
      "# HELP c_total c",
      "# TYPE c_total counter",
      'c_total{stream="b",kind="x"} 1',
      "# HELP g g",
      "# TYPE g gauge",
      "# HELP h h",
      "# TYPE h histogram",
      "# HELP other o",
      "# TYPE other gauge",
      'other{node="a"} 1',
      "",
    ].join("\n"),
  );
  // A removed series starts again from zero.
  c.inc({ stream: "a", kind: "x" });
  assert.match(r.render(), /^c_total\{stream="a",kind="x"\} 1$/m);
});

Deno.test("gaugeFn and counterFn values are collected at render", () => {
  const r = new MetricsRegistry();
  let depth = 1;
  let calls = 0;
  r.gaugeFn("queue_depth", "Queue depth.", ["stream"], () => {
    calls++;
    return [{ labels: { stream: "a" }, value: depth }];
  });
  r.counterFn("decoded_total", "Frames decoded.", [], () => [{ labels: {}, value: 7 }]);
  assert.equal(calls, 0);
  assert.match(r.render(), /^queue_depth\{stream="a"\} 1$/m);
  depth = 4;
  const text = r.render();
  assert.equal(calls, 2);
  assert.equal(
    text,
    [
      "# HELP queue_depth Queue depth.",
      "# TYPE queue_depth gauge",
      'queue_depth{stream="a"} 4',
      "# HELP decoded_total Frames decoded.",
      "# TYPE decoded_total counter",
      "decoded_total 7",
      "",
    ].join("\n"),
  );
});

Deno.test("an empty registry renders nothing", () => {
  assert.equal(new MetricsRegistry().render(), "");
});
