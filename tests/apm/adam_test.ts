/**
 * Adam's checkpoint state: the flat and the per-variable layouts export the same per-variable
 * moments, and a state set into a fresh optimiser continues exactly where the first left off.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type Adam, createAdam } from "../../src/apm/adam.ts";

await tf.setBackend("cpu");

/** One update with gradients that depend on `k`. */
const apply = (opt: Adam, k: number) => {
  const g = [tf.fill([2, 3], 0.1 * k), tf.tensor1d([k, -k, 2])];
  opt.apply(g);
  tf.dispose(g);
};
const vars = () => [tf.variable(tf.ones([2, 3])), tf.variable(tf.zeros([3]))];
const values = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => Array.from(await t.data())));

Deno.test("Adam state: same in both layouts, and setState resumes exactly", async () => {
  const moments: number[][][] = [];
  for (const flat of [false, true]) {
    const a = vars();
    const adam = createAdam(a, { learningRate: 0.1, flat });
    for (let k = 1; k <= 3; k++) apply(adam, k);
    const state = adam.getState();
    assert.equal(state.step, 3);
    assert.deepEqual(state.m.map((t) => t.shape), [[2, 3], [3]]);
    // A second optimiser on copies of the weights, given the state, takes the same next step.
    const b = a.map((v) => tf.variable(v.clone()));
    const resumed = createAdam(b, { learningRate: 0.1, flat });
    resumed.setState(state);
    const got = resumed.getState();
    assert.deepEqual(await values(got.m), await values(state.m));
    assert.deepEqual(await values(got.v), await values(state.v));
    moments.push(await values([...state.m, ...state.v]));
    apply(adam, 4);
    apply(resumed, 4);
    assert.deepEqual(await values(b), await values(a));
    tf.dispose([...state.m, ...state.v, ...got.m, ...got.v, ...a, ...b]);
    adam.dispose();
    resumed.dispose();
  }
  const [perVariable, flat] = moments;
  perVariable.flat().forEach((x, i) => assert.ok(Math.abs(x - flat.flat()[i]) < 1e-6, `${i}`));
});
