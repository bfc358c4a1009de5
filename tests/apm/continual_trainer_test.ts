/**
 * The continual trainer's guards against long-stream collapse (EMA anchor, restore on
 * divergence, loss spikes), its ablation switches and its checkpoint export/import, through the
 * engine on the wasm backend with a tiny colour-only APM.
 */
import assert from "node:assert/strict";
import { type ApmConfig, DEFAULT_APM_CONFIG, validateApmConfig } from "../../src/apm/apm_config.ts";
import { createEngine, type Engine, type TrainerState } from "../../src/apm/engine.ts";
import { SMALL_APM } from "./_small_apm.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";

// tfjs keeps its backends and kernels for the whole process.
const sanitize = { sanitizeResources: false, sanitizeOps: false };

const SMALL: ApmConfig = SMALL_APM;

const engineWith = (apm: Partial<ApmConfig> = {}): Promise<Engine> =>
  createEngine({ apm: { ...SMALL, ...apm }, backend: "wasm" });

/** Frame `index` of a synthetic scene, 64x64 rgb24. */
const frame = (index: number, seed = 1) => ({
  width: 64,
  height: 64,
  data: renderSyntheticFrame({ width: 64, height: 64, seed }, index).data,
});

const tensor = (s: TrainerState, name: string) => {
  const t = s.tensors.find((x) => x.name === name);
  assert.ok(t, `no tensor ${name}`);
  return t;
};

const withPrefix = (s: TrainerState, prefix: string) =>
  s.tensors.filter((t) => t.name.startsWith(prefix));

Deno.test("config: the new options have defaults and are validated", () => {
  validateApmConfig(DEFAULT_APM_CONFIG);
  assert.equal(DEFAULT_APM_CONFIG.freezeAfterFrames, 0);
  assert.equal(DEFAULT_APM_CONFIG.resetEveryFrame, false);
  const bad: [Partial<ApmConfig>, RegExp][] = [
    [{ anchorDecay: 1 }, /anchorDecay must be in \[0, 1\)/],
    [{ anchorDecay: -0.1 }, /anchorDecay/],
    [{ restoreProbability: 1 }, /restoreProbability must be in \[0, 1\)/],
    [{ restoreProbability: NaN }, /restoreProbability/],
    [{ freezeAfterFrames: -1 }, /freezeAfterFrames must be an integer >= 0/],
    [{ freezeAfterFrames: 1.5 }, /freezeAfterFrames/],
    [{ resetEveryFrame: 1 as unknown as boolean }, /resetEveryFrame must be a boolean/],
  ];
  for (const [patch, message] of bad) {
    assert.throws(() => validateApmConfig({ ...DEFAULT_APM_CONFIG, ...patch }), message);
  }
});

Deno.test({
  name: "the anchor follows the weights, lags them and stays finite",
  ...sanitize,
  async fn() {
    const engine = await engineWith();
    await engine.process(frame(0));
    const one = await engine.exportState();
    // After one frame the anchor is the weights themselves.
    assert.deepEqual(tensor(one, "anchor/w1p").data, tensor(one, "weights/w1p").data);
    for (let i = 1; i < 6; i++) await engine.process(frame(i));
    const six = await engine.exportState();
    const anchors = withPrefix(six, "anchor/");
    assert.equal(anchors.length, withPrefix(six, "weights/").length);
    for (const t of anchors) assert.ok(t.data.every(Number.isFinite), `${t.name} not finite`);
    assert.notDeepEqual(tensor(six, "anchor/w1p").data, tensor(one, "anchor/w1p").data);
    assert.notDeepEqual(tensor(six, "anchor/w1p").data, tensor(six, "weights/w1p").data);
    assert.equal(six.framesTrained, 6);
    engine.dispose();
  },
});

Deno.test({
  name: "a diverged net is restored to its anchor; with a broken anchor it is re-drawn",
  ...sanitize,
  async fn() {
    const engine = await engineWith();
    for (let i = 0; i < 4; i++) {
      const r = await engine.process(frame(i));
      assert.ok(!r.reset && !r.restored, `frame ${i}`);
    }
    const state = await engine.exportState();
    tensor(state, "weights/w1p").data[0] = NaN;
    engine.importState(state);
    const r = await engine.process(frame(4));
    assert.equal(r.restored, true);
    assert.equal(r.reset, false);
    assert.ok(r.field.every(Number.isFinite));
    const after = await engine.exportState();
    for (const w of withPrefix(after, "weights/")) {
      assert.deepEqual(w.data, tensor(after, w.name.replace("weights/", "anchor/")).data);
    }
    // Both the weights and the anchor broken: nothing sound to go back to.
    tensor(after, "weights/wf").data[3] = Infinity;
    tensor(after, "anchor/wf").data[3] = NaN;
    engine.importState(after);
    const again = await engine.process(frame(5));
    assert.equal(again.reset, true);
    assert.equal(again.restored, false);
    assert.ok(again.field.every(Number.isFinite));
    engine.dispose();
  },
});

Deno.test({
  name: "a scene cut is a loss spike; the steady frames before it are not",
  ...sanitize,
  async fn() {
    const engine = await engineWith();
    const spikes: number[] = [];
    for (let i = 0; i < 40; i++) if ((await engine.process(frame(i))).spike) spikes.push(i);
    assert.deepEqual(spikes, []);
    // The scene inverted: every colour is far from what the net has learnt (6-7x the loss).
    const cut = frame(40);
    cut.data = cut.data.map((v) => 255 - v);
    const r = await engine.process(cut);
    assert.equal(r.spike, true);
    assert.ok(r.field.every(Number.isFinite));
    assert.equal((await engine.process(cut)).spike, false, "one cut, one spike");
    engine.dispose();
  },
});

Deno.test({
  name: "freezeAfterFrames stops training: the weights no longer change",
  ...sanitize,
  async fn() {
    const engine = await engineWith({ freezeAfterFrames: 3 });
    for (let i = 0; i < 3; i++) assert.ok(Number.isFinite((await engine.process(frame(i))).loss));
    const before = await engine.exportState();
    const r = await engine.process(frame(3));
    assert.ok(Number.isNaN(r.loss), "no steps, no loss");
    await engine.process(frame(4));
    assert.deepEqual(await engine.exportState(), before);
    engine.dispose();
  },
});

Deno.test({
  name: "resetEveryFrame: the same frame gives the same field, whatever came before",
  ...sanitize,
  async fn() {
    const engine = await engineWith({ resetEveryFrame: true });
    const first = await engine.process(frame(0));
    await engine.process(frame(5, 3));
    const again = await engine.process(frame(0));
    assert.deepEqual(again.field, first.field);
    assert.equal(again.loss, first.loss);
    engine.dispose();
  },
});

Deno.test({
  name: "exportState -> importState reproduces the state and the field",
  ...sanitize,
  async fn() {
    const a = await engineWith({ freezeAfterFrames: 5 });
    for (let i = 0; i < 5; i++) await a.process(frame(i));
    const state = await a.exportState();
    const names = state.tensors.map((t) => t.name);
    assert.ok(names.includes("anchor/w1c") && names.includes("adam/m/w1c"), names.join());
    const b = await engineWith({ freezeAfterFrames: 5 });
    b.importState(state);
    assert.deepEqual(await b.exportState(), state);
    // Both frozen after 5 frames: the next frame is pure inference from the same weights.
    const [ra, rb] = [await a.process(frame(5)), await b.process(frame(5))];
    assert.deepEqual(rb.field, ra.field);
    a.dispose();
    b.dispose();
  },
});

Deno.test({
  name: "importState of another model's shape throws a clear message",
  ...sanitize,
  async fn() {
    const a = await engineWith();
    await a.process(frame(0));
    const state = await a.exportState();
    a.dispose();
    const b = await engineWith({ hidden: 16 });
    assert.throws(
      () => b.importState(state),
      /checkpoint is for a model of grid 8, .*hidden 32, .*; this stream runs grid 8, .*hidden 16, .*differ in hidden\): delete it or use matching options/,
    );
    b.dispose();
  },
});

Deno.test({
  name:
    "a checkpoint of another grid shape (16:9 vs square) is refused; a square one without gridW/gridH fits",
  ...sanitize,
  async fn() {
    const wide = await createEngine({
      apm: SMALL,
      backend: "wasm",
      frame: { width: 64, height: 36 },
    });
    const square = await engineWith();
    try {
      const wideState = await wide.exportState();
      assert.equal(wideState.shape.gridW, 11);
      assert.equal(wideState.shape.gridH, 6);
      assert.throws(
        () => square.importState(wideState),
        /checkpoint is for a model of grid 8, gridW 11, gridH 6, .*differ in gridW, gridH, columnDim\): delete it or use matching options/,
      );
      // Written before grids followed the frame: no gridW / gridH, and square.
      await square.process(frame(0));
      const state = await square.exportState();
      const { gridW: _w, gridH: _h, ...legacy } = state.shape;
      square.importState({ ...state, shape: legacy });
    } finally {
      wide.dispose();
      square.dispose();
    }
  },
});

Deno.test({
  name: "initDecay keeps the weights nearer their initial values than training alone does",
  ...sanitize,
  async fn() {
    const distance = async (initDecay: number) => {
      const engine = await engineWith({ initDecay, restoreProbability: 0, learningRate: 0.01 });
      const start = withPrefix(await engine.exportState(), "weights/");
      for (let i = 0; i < 30; i++) await engine.process(frame(i, 1 + (i % 3)));
      const end = withPrefix(await engine.exportState(), "weights/");
      engine.dispose();
      let d = 0;
      end.forEach((t, k) => t.data.forEach((v, j) => d += (v - start[k].data[j]) ** 2));
      return Math.sqrt(d);
    };
    const free = await distance(0);
    const pulled = await distance(0.1);
    assert.ok(
      pulled < 0.8 * free,
      `moved ${pulled.toFixed(2)} with the pull, ${free.toFixed(2)} without`,
    );
    assert.throws(
      () => validateApmConfig({ ...DEFAULT_APM_CONFIG, initDecay: 1 }),
      /initDecay must be in \[0, 1\)/,
    );
  },
});

Deno.test({
  name: "feature error: what the continual APM fails to predict is where objects move",
  ...sanitize,
  async fn() {
    // The default APM with its teacher, on a synthetic scene whose objects drift across a
    // static background: after some frames the background is learnt, the objects are not.
    const engine = await createEngine({
      apm: { ...DEFAULT_APM_CONFIG, grid: 16, patch: 14 },
      backend: "wasm",
      frame: { width: 224, height: 224 },
    });
    try {
      const opts = { width: 224, height: 224, seed: 4, objects: 4 };
      let last = null;
      for (let i = 0; i < 30; i++) {
        const f = renderSyntheticFrame(opts, i);
        last = {
          r: await engine.process({ width: 224, height: 224, data: f.data }),
          truth: f.truth,
        };
      }
      const { r, truth } = last!;
      assert.ok(r.featureError, "a teacher gives a feature error");
      assert.equal(r.featureError.length, r.width * r.height);
      assert.ok(r.featureError.every(Number.isFinite));
      // Mean error over lattice cells mostly covered by an object vs mostly background.
      let onObject = 0, objectCells = 0, onBackground = 0, backgroundCells = 0;
      const cell = 224 / r.width;
      for (let y = 0; y < r.height; y++) {
        for (let x = 0; x < r.width; x++) {
          let covered = 0;
          for (let py = 0; py < cell; py++) {
            for (let px = 0; px < cell; px++) {
              covered += truth[(y * cell + py) * 224 + x * cell + px] > 0 ? 1 : 0;
            }
          }
          const e = r.featureError[y * r.width + x];
          if (covered > 0.75 * cell * cell) (onObject += e, objectCells++);
          else if (covered === 0) (onBackground += e, backgroundCells++);
        }
      }
      assert.ok(objectCells > 3 && backgroundCells > 3);
      assert.ok(
        onObject / objectCells > 1.5 * (onBackground / backgroundCells),
        `object ${onObject / objectCells}, background ${onBackground / backgroundCells}`,
      );
      const colourOnly = await engineWith({});
      try {
        const f = frame(0);
        assert.equal((await colourOnly.process(f)).featureError, null, "no teacher, no error");
      } finally {
        colourOnly.dispose();
      }
    } finally {
      engine.dispose();
    }
  },
});
