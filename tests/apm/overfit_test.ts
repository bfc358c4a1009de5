/**
 * The paper's Fig. 3 behaviour on one frame: test-time training drives the loss down by orders
 * of magnitude and the field breaks into islands, on the wasm and on the webgpu backend.
 */
import assert from "node:assert/strict";
import { overfitOneFrame } from "./_overfit.ts";

// tfjs keeps its backends, kernels and the WebGPU device for the whole process.
const sanitize = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "wasm: overfitting one frame cuts the loss over 100x and islands form",
  ...sanitize,
  async fn() {
    const r = await overfitOneFrame({
      backend: "wasm",
      grid: 16,
      hidden: 256,
      steps: 500,
      learningRate: 2e-3,
    });
    assert.equal(r.backend, "wasm");
    const first = r.losses[0], last = r.losses[r.losses.length - 1];
    assert.ok(first / last > 100, `loss ${first} -> ${last}: only ${first / last}x`);
    // Islands form: the untrained field's islands match nothing (its single smooth island scores
    // 0); the trained field's islands reproduce the teacher's own islands and find the objects.
    assert.ok(r.teacherAri.before < 0.3, `before: ${r.teacherAri.before}`);
    assert.ok(r.teacherAri.after > 0.8, `after: ${r.teacherAri.after}`);
    assert.ok(r.truthAri.after > r.truthAri.before + 0.3, JSON.stringify(r.truthAri));
  },
});

Deno.test({
  name: "webgpu: the same overfitting runs on WebGPU, loss falls over 10x in 100 steps",
  ...sanitize,
  async fn() {
    // Every WebGPU dispatch costs ~2-4 ms on Mesa's software lavapipe, so CI runs 100 steps
    // (about a minute); `deno run -A bench/overfit.ts --backend webgpu` runs the full 500.
    const opts = { grid: 16, hidden: 256, steps: 100, learningRate: 2e-3 };
    const gpu = await overfitOneFrame({ backend: "webgpu", ...opts });
    assert.equal(gpu.backend, "webgpu");
    const first = gpu.losses[0], last = gpu.losses[gpu.losses.length - 1];
    assert.ok(first / last > 10, `loss ${first} -> ${last}: only ${first / last}x`);
    // Same weights, same data: WebGPU computes the same training as wasm.
    const cpu = await overfitOneFrame({ backend: "wasm", ...opts });
    for (let i = 0; i < 10; i++) {
      const rel = Math.abs(gpu.losses[i] - cpu.losses[i]) / cpu.losses[i];
      assert.ok(rel < 1e-2, `step ${i + 1}: webgpu ${gpu.losses[i]} vs wasm ${cpu.losses[i]}`);
    }
    // Islands are forming after 100 steps (measured 0 -> 0.27 against the teacher's islands;
    // 0.95 after the full 500 steps of the bench).
    assert.ok(gpu.teacherAri.after > gpu.teacherAri.before + 0.15, JSON.stringify(gpu.teacherAri));
  },
});
