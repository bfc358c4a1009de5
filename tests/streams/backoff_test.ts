import assert from "node:assert/strict";
import { backoffDelay } from "../../streams/backoff.ts";
import { mulberry32 } from "../../src/util/mulberry32.ts";

Deno.test("backoff grows exponentially from the initial delay and stops at the cap", () => {
  const top = () => 1 - Number.EPSILON; // the ceiling itself
  assert.ok(Math.abs(backoffDelay(0, top) - 500) < 1e-6);
  assert.ok(Math.abs(backoffDelay(1, top) - 1000) < 1e-6);
  assert.ok(Math.abs(backoffDelay(3, top) - 4000) < 1e-6);
  assert.ok(Math.abs(backoffDelay(20, top) - 30_000) < 1e-6);
  assert.ok(Math.abs(backoffDelay(2, top, { initialMs: 100, factor: 3, maxMs: 1e6 }) - 900) < 1e-6);
});

Deno.test("backoff jitter spreads retries over the upper half of the ceiling", () => {
  const rand = mulberry32(7);
  const delays = Array.from({ length: 2000 }, () => backoffDelay(4, rand));
  const min = Math.min(...delays), max = Math.max(...delays);
  assert.ok(min >= 4000 && max <= 8000, `${min}..${max}`);
  assert.ok(max - min > 3500, "delays are spread, not synchronised");
});

Deno.test("backoff rejects options that make no schedule", () => {
  assert.throws(() => backoffDelay(-1, Math.random), RangeError);
  assert.throws(() => backoffDelay(0, Math.random, { initialMs: 0 }), RangeError);
  assert.throws(() => backoffDelay(0, Math.random, { maxMs: 10 }), /maxMs >= initialMs/);
});
