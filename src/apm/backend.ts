/**
 * Picks and starts the tfjs compute backend: `webgpu` on a real GPU, else `wasm`, with `cpu` as
 * the last resort.
 *
 * `auto` refuses software WebGPU adapters (Mesa's llvmpipe/lavapipe, SwiftShader, softpipe,
 * WARP): they are real WebGPU but run on the CPU, and there tfjs-wasm is several times faster
 * (measured here: matmul 23.7 GFLOP/s on wasm against 4.9 on lavapipe). Asking for `webgpu`
 * explicitly still uses them, which is how the WGSL kernels are tested without a GPU.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** What the caller asks for: `auto` decides from the hardware. */
export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu";

/** The tfjs backend actually running. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** What a WebGPU adapter says about itself (from `GPUAdapterInfo`). */
export interface AdapterSummary {
  description: string;
  vendor: string;
  architecture: string;
  device: string;
  /** The adapter's own `isFallbackAdapter` flag (a software or otherwise limited adapter). */
  isFallback: boolean;
}

/** The backend `initBackend` started, and why that one. */
export interface BackendInfo {
  name: BackendName;
  /** The WebGPU adapter found, when one was probed (also when `auto` declined it). */
  adapter?: AdapterSummary;
  /** One sentence for logs: why this backend. */
  reason: string;
}

/** A requested backend cannot start. The message says what to install or choose instead. */
export class BackendError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackendError";
  }
}

// Names software rasterisers put in their adapter strings: Mesa (llvmpipe, lavapipe, softpipe),
// Google's SwiftShader, and Windows' WARP ("Microsoft Basic Render Driver").
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|basic render driver/i;
// Vulkan vendor id VK_VENDOR_ID_MESA (0x10005), which lavapipe reports (as "65541" in Deno).
const MESA_VENDOR_IDS = new Set(["65541", "0x10005"]);

/**
 * Whether an adapter is a software rasteriser running on the CPU (fallback flag, a known
 * software driver name, or Mesa's Vulkan vendor id), as opposed to a real GPU.
 *
 * @example
 * ```ts
 * isSoftwareAdapter({
 *   description: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: "65541",
 *   architecture: "", device: "0", isFallback: true,
 * }); // true
 * ```
 */
export function isSoftwareAdapter(info: AdapterSummary): boolean {
  if (info.isFallback) return true;
  const text = `${info.description} ${info.vendor} ${info.architecture} ${info.device}`;
  return SOFTWARE_NAMES.test(text) || MESA_VENDOR_IDS.has(info.vendor.trim().toLowerCase());
}

/**
 * Asks `navigator.gpu` for the adapter tfjs-webgpu would get (high-performance preference) and
 * summarises it; `null` when there is no WebGPU or no adapter. Creates no device, so tfjs can
 * still request its own adapter afterwards.
 *
 * @example
 * ```ts
 * const adapter = await probeAdapter();
 * console.log(adapter?.description ?? "no WebGPU adapter");
 * ```
 */
export async function probeAdapter(): Promise<AdapterSummary | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    return null;
  }
  if (!adapter) return null;
  // Deno 2.9 follows the current spec (info.isFallbackAdapter); older runtimes have it on the
  // adapter itself.
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  return {
    description: info.description ?? "",
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    isFallback: Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter),
  };
}

/** Reads the adapter in a child process; prints its summary as JSON ("null": none). */
const PROBE_SCRIPT = `
const gpu = globalThis.navigator?.gpu;
let out = null;
try {
  const a = gpu ? await gpu.requestAdapter({ powerPreference: "high-performance" }) : null;
  if (a) {
    const i = a.info ?? {};
    out = { description: i.description ?? "", vendor: i.vendor ?? "", architecture:
      i.architecture ?? "", device: i.device ?? "", isFallback: Boolean(i.isFallbackAdapter ??
      a.isFallbackAdapter) };
  }
} catch { /* no adapter */ }
console.log(JSON.stringify(out));
Deno.exit(0);
`;

/**
 * {@linkcode probeAdapter} in a short-lived child process, so that this process never loads a
 * Vulkan driver unless it is going to use WebGPU. Mesa's software drivers (lavapipe) leave
 * threads behind that crashed Deno at exit (a segfault or glibc "double free") when the thread
 * that had opened them was a Worker since terminated; `auto` on a machine without a GPU now
 * never opens them here. Falls back to probing in-process when the child cannot run (no
 * `--allow-run`); a child that crashes reads as no adapter.
 */
export async function probeAdapterIsolated(): Promise<AdapterSummary | null> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", PROBE_SCRIPT],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
  } catch {
    return await probeAdapter();
  }
  try {
    const line = new TextDecoder().decode(output.stdout).trim().split("\n").pop() ?? "null";
    return output.success ? JSON.parse(line) as AdapterSummary | null : null;
  } catch {
    return null;
  }
}

/**
 * The file URL of the installed `@tensorflow/tfjs-backend-wasm/dist/` directory (with its
 * `.wasm` binaries), resolved the way the import itself resolves, so it also finds Deno's
 * `node_modules/.deno/...` layout.
 *
 * @example
 * ```ts
 * wasmDistUrl(); // "file:///.../node_modules/.deno/@tensorflow+tfjs-backend-wasm@4.22.0/node_modules/@tensorflow/tfjs-backend-wasm/dist/"
 * ```
 */
export function wasmDistUrl(): string {
  // Resolves to the package's main file, dist/tf-backend-wasm.node.js.
  const main = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  if (!main.startsWith("file:")) {
    throw new BackendError(
      `cannot locate the tfjs wasm binaries: "@tensorflow/tfjs-backend-wasm" resolved to ${main}, ` +
        `not a file; keep "nodeModulesDir": "auto" in deno.json`,
    );
  }
  return new URL("./", main).href;
}

function describe(adapter: AdapterSummary): string {
  return `"${adapter.description || "unnamed"}" (vendor ${adapter.vendor || "?"}${
    adapter.isFallback ? ", fallback adapter" : ""
  })`;
}

// setWasmPaths throws once the wasm backend has tried to initialise, so call it only once.
let wasmPathsSet = false;

async function startWasm(): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  if (!wasmPathsSet) {
    wasm.setWasmPaths(wasmDistUrl());
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend("wasm"))) {
    throw new BackendError(
      `the tfjs wasm backend failed to start (binaries looked up in ${wasmDistUrl()}); ` +
        `use "cpu" instead`,
    );
  }
  await tf.ready();
}

async function startWebGPU(): Promise<void> {
  // Importing the package registers the "webgpu" backend (it does so only when navigator.gpu
  // exists, which the caller has checked).
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) {
    throw new BackendError(
      `the tfjs webgpu backend failed to start (see the warning above); use "wasm" instead`,
    );
  }
  await tf.ready();
}

async function startCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/**
 * Starts a tfjs backend and makes it the active one.
 *
 * - `"auto"`: `webgpu` when the adapter is a real GPU, else `wasm` (a software WebGPU adapter
 *   is slower than wasm), else `cpu`. Never throws for lack of hardware.
 * - `"webgpu"`: any adapter, software ones included; throws {@linkcode BackendError} when
 *   there is none, saying what to install.
 * - `"wasm"`, `"cpu"`: that backend.
 *
 * @example
 * ```ts
 * const info = await initBackend("auto");
 * console.log(`backend ${info.name}: ${info.reason}`);
 * ```
 */
export async function initBackend(choice: BackendChoice = "auto"): Promise<BackendInfo> {
  switch (choice) {
    case "cpu":
      await startCpu();
      return { name: "cpu", reason: "cpu requested (tfjs's plain JavaScript backend, slowest)" };
    case "wasm":
      await startWasm();
      return { name: "wasm", reason: "wasm requested" };
    case "webgpu": {
      const adapter = await probeAdapter();
      if (!adapter) {
        throw new BackendError(
          "webgpu requested but no WebGPU adapter was found: install a GPU driver with Vulkan " +
            "support, or Mesa's software Vulkan driver (apt-get install mesa-vulkan-drivers) to " +
            'run WebGPU on the CPU, or use the "wasm" backend',
        );
      }
      await startWebGPU();
      const kind = isSoftwareAdapter(adapter) ? "software adapter, runs on the CPU" : "GPU";
      return {
        name: "webgpu",
        adapter,
        reason: `webgpu requested; adapter ${describe(adapter)} (${kind})`,
      };
    }
    case "auto":
      return await initAuto();
    default:
      throw new BackendError(
        `unknown backend "${choice as string}": use auto, webgpu, wasm or cpu`,
      );
  }
}

async function initAuto(): Promise<BackendInfo> {
  const adapter = (await probeAdapterIsolated()) ?? undefined;
  let why: string;
  if (!adapter) {
    why = "no WebGPU adapter";
  } else if (isSoftwareAdapter(adapter)) {
    why = `WebGPU adapter ${describe(adapter)} is a software rasteriser, slower than wasm`;
  } else {
    try {
      await startWebGPU();
      return { name: "webgpu", adapter, reason: `GPU adapter ${describe(adapter)}` };
    } catch (err) {
      why = `GPU adapter ${describe(adapter)} found but tfjs webgpu failed: ${
        (err as Error).message
      }`;
    }
  }
  try {
    await startWasm();
    return { name: "wasm", adapter, reason: `${why}: using wasm` };
  } catch (err) {
    await startCpu();
    return {
      name: "cpu",
      adapter,
      reason: `${why}, and wasm failed (${(err as Error).message}): using cpu`,
    };
  }
}
