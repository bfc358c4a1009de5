/**
 * A tiny colour-only APM for engine tests on the wasm backend: 8x8 grid, 32x32 frames.
 *
 * @module
 */
import { type ApmConfig, DEFAULT_APM_CONFIG } from "../../src/apm/apm_config.ts";

export const SMALL_APM: ApmConfig = {
  ...DEFAULT_APM_CONFIG,
  grid: 8,
  patch: 4,
  posDim: 16,
  hidden: 32,
  depth: 2,
  featureDim: 8,
  rgbHidden: 16,
  stepsPerFrame: 3,
  locationsPerStep: 32,
  teacher: "none",
};
