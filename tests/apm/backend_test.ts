/**
 * Backend choice: which adapters count as software, and what `initBackend` starts for each
 * choice on this machine.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import {
  type AdapterSummary,
  BackendError,
  initBackend,
  isSoftwareAdapter,
  probeAdapter,
  probeAdapterIsolated,
  wasmDistUrl,
} from "../../src/apm/backend.ts";

const adapter = (info: Partial<AdapterSummary>): AdapterSummary => ({
  description: "",
  vendor: "",
  architecture: "",
  device: "",
  isFallback: false,
  ...info,
});

Deno.test("isSoftwareAdapter flags Mesa lavapipe, llvmpipe, softpipe, SwiftShader and WARP", () => {
  const software = [
    // What Deno reports for lavapipe on this machine.
    adapter({
      description: "llvmpipe (LLVM 15.0.6, 256 bits)",
      vendor: "65541",
      device: "0",
      isFallback: true,
    }),
    // The same driver on a runtime that does not set the fallback flag.
    adapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: "65541" }),
    adapter({ description: "Mesa lavapipe" }),
    adapter({ description: "softpipe", vendor: "Mesa" }),
    adapter({ vendor: "google", architecture: "swiftshader" }),
    adapter({ description: "SwiftShader Device (Subzero)", vendor: "6880" }),
    adapter({ description: "Microsoft Basic Render Driver", vendor: "5140" }),
    // Only Mesa's Vulkan vendor id is known.
    adapter({ vendor: "0x10005" }),
    // Only the flag says so.
    adapter({ description: "Some GPU", isFallback: true }),
  ];
  for (const info of software) assert.equal(isSoftwareAdapter(info), true, JSON.stringify(info));
});

Deno.test("isSoftwareAdapter accepts real GPUs, Mesa hardware drivers included", () => {
  const hardware = [
    adapter({ description: "NVIDIA GeForce RTX 4090", vendor: "4318", device: "9860" }),
    adapter({ vendor: "nvidia", architecture: "ampere" }),
    adapter({ description: "AMD Radeon RX 7900 XTX (RADV NAVI31)", vendor: "4098" }),
    adapter({ description: "Intel(R) Arc(tm) A770 Graphics (DG2)", vendor: "32902" }),
    adapter({ vendor: "apple", architecture: "metal-3", description: "Apple M2" }),
  ];
  for (const info of hardware) assert.equal(isSoftwareAdapter(info), false, JSON.stringify(info));
});

Deno.test("wasmDistUrl points at the installed directory holding the wasm binaries", async () => {
  const url = wasmDistUrl();
  assert.match(url, /^file:\/\/.*\/@tensorflow\/tfjs-backend-wasm\/dist\/$/);
  const simd = await Deno.stat(fileURLToPath(new URL("tfjs-backend-wasm-simd.wasm", url)));
  assert.ok(simd.isFile);
});

// tfjs keeps its backends (wasm module, GPUDevice) and their async handles for the life of the
// process, and the active backend is global state shared by these tests, so the sanitizers
// would report tfjs's own handles rather than leaks of ours.
const tfTest = { sanitizeResources: false, sanitizeOps: false };

async function assertMatMulRight() {
  const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const b = tf.tensor2d([[7, 8], [9, 10], [11, 12]]);
  const c = tf.matMul(a, b);
  assert.deepEqual(Array.from(await c.data()), [58, 64, 139, 154]);
  tf.dispose([a, b, c]);
}

Deno.test({
  name: 'initBackend("wasm") starts wasm and a matmul computes right',
  ...tfTest,
  fn: async () => {
    const info = await initBackend("wasm");
    assert.equal(info.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    await assertMatMulRight();
  },
});

Deno.test({
  name: 'initBackend("cpu") starts the cpu backend',
  ...tfTest,
  fn: async () => {
    const info = await initBackend("cpu");
    assert.equal(info.name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    await assertMatMulRight();
  },
});

const found = await probeAdapter();

Deno.test({
  name: 'initBackend("auto") takes webgpu only on a real GPU, else wasm, and says why',
  ...tfTest,
  fn: async () => {
    const info = await initBackend("auto");
    assert.equal(tf.getBackend(), info.name);
    if (found && !isSoftwareAdapter(found)) {
      assert.equal(info.name, "webgpu");
    } else {
      // This machine: lavapipe, a software adapter, or no adapter at all.
      assert.equal(info.name, "wasm");
      assert.match(info.reason, found ? /software rasteriser.*using wasm/ : /no WebGPU adapter/);
      if (found) assert.ok(info.reason.includes(found.description), info.reason);
      assert.deepEqual(info.adapter, found ?? undefined);
    }
    await assertMatMulRight();
  },
});

Deno.test({
  name: 'initBackend("webgpu") runs tfjs on the adapter found, software or not',
  ignore: found === null,
  ...tfTest,
  fn: async () => {
    const info = await initBackend("webgpu");
    assert.equal(info.name, "webgpu");
    assert.equal(tf.getBackend(), "webgpu");
    assert.deepEqual(info.adapter, found);
    assert.ok(info.reason.includes(found!.description), info.reason);
    await assertMatMulRight();
  },
});

/** Runs `fn` with `navigator.gpu` hidden, as on a machine without WebGPU. */
async function withoutWebGPU(fn: () => Promise<void>) {
  Object.defineProperty(navigator, "gpu", { value: undefined, configurable: true });
  // `auto` probes in a child process: ask its WebGPU for a graphics API Linux does not have.
  const saved = ["DENO_WEBGPU_BACKEND"].map((k) => [k, Deno.env.get(k)] as const);
  for (const [k] of saved) Deno.env.set(k, Deno.build.os === "darwin" ? "dx12" : "metal");
  try {
    await fn();
  } finally {
    // Removing the own property uncovers Navigator.prototype's getter again.
    delete (navigator as { gpu?: unknown }).gpu;
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

Deno.test({
  name: 'initBackend("webgpu") without an adapter throws, naming what to install and wasm',
  ...tfTest,
  fn: async () => {
    await withoutWebGPU(async () => {
      await assert.rejects(initBackend("webgpu"), (err: Error) => {
        assert.ok(err instanceof BackendError);
        assert.match(err.message, /no WebGPU adapter/);
        assert.match(err.message, /mesa-vulkan-drivers/);
        assert.match(err.message, /GPU driver/);
        assert.match(err.message, /"wasm"/);
        return true;
      });
    });
    assert.ok(navigator.gpu, "navigator.gpu restored");
  },
});

Deno.test({
  name: "probeAdapterIsolated reads the adapter in a child process, as probeAdapter does here",
  ...tfTest,
  fn: async () => {
    assert.deepEqual(await probeAdapterIsolated(), await probeAdapter());
    await withoutWebGPU(async () => assert.equal(await probeAdapterIsolated(), null));
  },
});

Deno.test({
  name: 'initBackend("auto") without an adapter falls back to wasm',
  ...tfTest,
  fn: async () => {
    await withoutWebGPU(async () => {
      const info = await initBackend("auto");
      assert.equal(info.name, "wasm");
      assert.equal(info.adapter, undefined);
      assert.match(info.reason, /no WebGPU adapter: using wasm/);
    });
  },
});
