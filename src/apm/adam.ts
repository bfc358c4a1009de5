/**
 * Adam over explicit gradients. tfjs's optimisers want a loss closure and differentiate it
 * themselves; the APM brings its own gradients (see apm_model.ts), so this applies them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Adam's state for a fixed list of variables. */
export interface Adam {
  /** Applies one update with `grads` (same order and shapes as the variables). */
  apply(grads: tf.Tensor[]): void;
  /** Forgets the moments (after the weights were restored or re-drawn). */
  reset(): void;
  /** The moments, per variable whatever the layout, as new tensors the caller owns. */
  getState(): AdamState;
  /** Takes over copies of saved moments (per variable, the variables' shapes). */
  setState(state: AdamState): void;
  /** Frees the moments. */
  dispose(): void;
}

/** Adam's moments and step count, for checkpoints. */
export interface AdamState {
  /** Steps taken (drives the bias correction). */
  step: number;
  /** First and second moments, one per variable. */
  m: tf.Tensor[];
  v: tf.Tensor[];
}

/** Options of {@linkcode createAdam}. */
export interface AdamOptions {
  learningRate: number;
  /**
   * Update all variables as one flat vector: ~45 kernels a step instead of ~12 per variable.
   * Worth it where every kernel dispatch has a fixed cost (WebGPU: ~1-4 ms each on Mesa's
   * lavapipe); slower on wasm, whose slices copy in JavaScript. Same arithmetic either way.
   */
  flat?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Per-variable learning-rate multipliers (same order as the variables); default all 1. */
  lrScales?: number[];
}

/**
 * Adam (Kingma & Ba) with bias correction.
 *
 * @example
 * ```ts
 * const opt = createAdam(vars, { learningRate: 1e-3 });
 * opt.apply(grads);
 * ```
 */
export function createAdam(
  vars: tf.Variable[],
  options: AdamOptions,
): Adam {
  return options.flat ? createFlatAdam(vars, options) : createPerVariableAdam(vars, options);
}

function createPerVariableAdam(
  vars: tf.Variable[],
  { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, lrScales }: AdamOptions,
): Adam {
  let m: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  let v2: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  let t = 0;
  return {
    apply(grads) {
      t++;
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      const stepSize = learningRate * Math.sqrt(c2) / c1;
      const next = tf.tidy(() =>
        vars.map((variable, i) => {
          const g = grads[i];
          const mi = tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1));
          const vi = tf.add(tf.mul(v2[i], beta2), tf.mul(tf.square(g), 1 - beta2));
          variable.assign(
            tf.sub(
              variable,
              tf.div(tf.mul(mi, stepSize * (lrScales?.[i] ?? 1)), tf.add(tf.sqrt(vi), epsilon)),
            ),
          );
          return [mi, vi] as const;
        })
      );
      for (const x of [...m, ...v2]) x.dispose();
      m = next.map(([mi]) => mi);
      v2 = next.map(([, vi]) => vi);
    },
    reset() {
      for (const x of [...m, ...v2]) x.dispose();
      m = vars.map((v) => tf.zerosLike(v));
      v2 = vars.map((v) => tf.zerosLike(v));
      t = 0;
    },
    getState() {
      return { step: t, m: m.map((x) => tf.clone(x)), v: v2.map((x) => tf.clone(x)) };
    },
    setState(state) {
      for (const x of [...m, ...v2]) x.dispose();
      m = state.m.map((x) => tf.clone(x));
      v2 = state.v.map((x) => tf.clone(x));
      t = state.step;
    },
    dispose() {
      for (const x of [...m, ...v2]) x.dispose();
    },
  };
}

function createFlatAdam(
  vars: tf.Variable[],
  { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, lrScales }: AdamOptions,
): Adam {
  const sizes = vars.map((v) => v.size);
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  const scales = lrScales && lrScales.some((s) => s !== 1)
    ? tf.concat(sizes.map((n, i) => tf.fill([n], lrScales[i] ?? 1)))
    : null;
  let m = tf.zeros([total]);
  let v2 = tf.zeros([total]);
  let t = 0;
  return {
    apply(grads) {
      t++;
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      const stepSize = learningRate * Math.sqrt(c2) / c1;
      const [nextM, nextV, updated] = tf.tidy(() => {
        const g = tf.concat(grads.map((x) => x.reshape([-1])));
        const mi = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vi = tf.add(tf.mul(v2, beta2), tf.mul(tf.square(g), 1 - beta2));
        let step = tf.div(tf.mul(mi, stepSize), tf.add(tf.sqrt(vi), epsilon));
        if (scales) step = tf.mul(step, scales);
        const next = vars.map((variable, i) =>
          tf.sub(variable, tf.slice(step, offsets[i], sizes[i]).reshape(variable.shape))
        );
        return [mi, vi, next] as const;
      });
      vars.forEach((variable, i) => variable.assign(updated[i]));
      tf.dispose([m, v2, ...updated]);
      m = nextM;
      v2 = nextV;
    },
    reset() {
      tf.dispose([m, v2]);
      m = tf.zeros([total]);
      v2 = tf.zeros([total]);
      t = 0;
    },
    getState() {
      const split = (flat: tf.Tensor) =>
        vars.map((x, i) => tf.tidy(() => tf.slice(flat, offsets[i], sizes[i]).reshape(x.shape)));
      return { step: t, m: split(m), v: split(v2) };
    },
    setState(state) {
      tf.dispose([m, v2]);
      m = tf.tidy(() => tf.concat(state.m.map((x) => x.reshape([-1]))));
      v2 = tf.tidy(() => tf.concat(state.v.map((x) => x.reshape([-1]))));
      t = state.step;
    },
    dispose() {
      tf.dispose([m, v2]);
      scales?.dispose();
    },
  };
}
