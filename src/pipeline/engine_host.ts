/**
 * The pipeline's side of an engine Worker: starts it, hands it frames one at a time, and turns
 * its replies into promises. A crashed or failing engine rejects; it never takes the server down.
 *
 * @module
 */
import type { TrainerState } from "../apm/continual_trainer.ts";
import type { EngineInfo, EngineOptions } from "../apm/engine.ts";
import type { EngineMap, EngineReply, EngineRequest } from "../apm/engine_protocol.ts";

/** A running engine Worker. */
export class EngineHost {
  #worker: Worker;
  #pending: { resolve: (r: EngineReply) => void; reject: (e: Error) => void } | null = null;
  #dead: Error | null = null;
  /** Set to 1 on terminate: the engine leaves a frame between training steps (see there). */
  #stop = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    this.#worker = new Worker(new URL("../apm/engine_worker.ts", import.meta.url), {
      type: "module",
    });
    this.#worker.onmessage = (e: MessageEvent<EngineReply>) => this.#settle(e.data);
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // an engine crash is this stream's failure, not the process's
      this.#fail(new Error(`engine crashed: ${e.message}`));
    };
  }

  /** Loads the backend, teacher and model in the Worker. */
  async start(options: EngineOptions): Promise<EngineInfo> {
    const r = await this.#request({
      type: "init",
      options,
      stop: this.#stop.buffer as SharedArrayBuffer,
    });
    if (r.type !== "ready") throw new Error(`engine failed to start: ${describe(r)}`);
    return r.info;
  }

  /** Sends one frame (its buffer is transferred, so the caller must not reuse it). */
  async process(width: number, height: number, data: Uint8Array): Promise<EngineMap> {
    const buf = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
      ? data.buffer as ArrayBuffer
      : new Uint8Array(data).buffer; // a copy of its own (a Buffer's slice() would be a view)
    const r = await this.#request({ type: "frame", width, height, data: buf }, [buf]);
    if (r.type !== "map") throw new Error(`engine failed on a frame: ${describe(r)}`);
    return r.map;
  }

  /** The engine's adapted weights (for a checkpoint). */
  async exportState(): Promise<TrainerState> {
    const r = await this.#request({ type: "export" });
    if (r.type !== "state") throw new Error(`engine could not export its weights: ${describe(r)}`);
    return r.state;
  }

  /** Loads checkpointed weights; rejects with the engine's reason (e.g. another model shape). */
  async importState(state: TrainerState): Promise<void> {
    // Tensors may share one buffer (a checkpoint's payload): transfer each buffer once.
    const transfer = [...new Set(state.tensors.map((t) => t.data.buffer as ArrayBuffer))];
    const r = await this.#request({ type: "import", state }, transfer);
    if (r.type !== "imported") throw new Error(describe(r));
  }

  /**
   * Makes a frame in training end at its next step (its request rejects, "engine stopped"); the
   * engine still answers `exportState`, so the last checkpoint can be written. For good.
   */
  cancel(): void {
    Atomics.store(this.#stop, 0, 1);
  }

  /**
   * Stops the Worker; a pending request rejects. Idempotent. Deno's `Worker.terminate` does not
   * stop a Worker busy in a long synchronous run (denoland/deno PR #35657), which a frame's
   * training is: the shared stop flag makes the engine end the frame at its next training step,
   * and the terminated Worker then exits as it returns to its event loop.
   */
  terminate(): void {
    this.cancel();
    this.#worker.terminate();
    this.#fail(new Error("engine stopped"));
  }

  #request(req: EngineRequest, transfer: Transferable[] = []): Promise<EngineReply> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#pending) return Promise.reject(new Error("engine is busy: one frame at a time"));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(req, transfer);
    });
  }

  #settle(r: EngineReply) {
    const p = this.#pending;
    this.#pending = null;
    p?.resolve(r);
  }

  #fail(err: Error) {
    this.#dead ??= err;
    const p = this.#pending;
    this.#pending = null;
    p?.reject(err);
  }
}

function describe(r: EngineReply): string {
  return r.type === "error" ? r.message : `unexpected reply "${r.type}"`;
}
