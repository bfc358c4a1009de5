/**
 * Single-frame overfitting of the APM on a chosen backend, longer than the tests run it.
 *
 *   deno run -A bench/overfit.ts [--backend wasm|webgpu|cpu] [--grid 16] [--hidden 256]
 *                                [--steps 500] [--lr 2e-3]
 */
import { parseArgs } from "node:util";
import { overfitOneFrame } from "../tests/apm/_overfit.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "wasm" },
    grid: { type: "string", default: "16" },
    hidden: { type: "string", default: "256" },
    steps: { type: "string", default: "500" },
    lr: { type: "string", default: "2e-3" },
  },
});
const r = await overfitOneFrame({
  backend: values.backend as "wasm",
  grid: +values.grid,
  hidden: +values.hidden,
  steps: +values.steps,
  learningRate: +values.lr,
});
const l = r.losses;
console.log(`backend ${r.backend}, ${l.length} steps, ${r.msPerStep.toFixed(1)} ms/step`);
for (const i of new Set([0, 49, 99, 199, 299, 399, 499, l.length - 1])) {
  if (i < l.length) console.log(`step ${String(i + 1).padStart(4)}  loss ${l[i].toExponential(3)}`);
}
console.log(`loss fell ${(l[0] / l[l.length - 1]).toFixed(1)}x`);
console.log(
  `islands vs ground truth ARI: ${r.truthAri.before.toFixed(3)} -> ${r.truthAri.after.toFixed(3)}`,
);
console.log(
  `islands vs teacher islands ARI: ${r.teacherAri.before.toFixed(3)} -> ${
    r.teacherAri.after.toFixed(3)
  }`,
);
