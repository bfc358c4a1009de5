import assert from "node:assert/strict";
import { ConfigError, helpText, loadConfig, OPTIONS } from "../src/config.ts";
import { DEFAULT_APM_CONFIG } from "../src/apm/apm_config.ts";

const noEnv = () => undefined;

Deno.test("config defaults: port 8080 on loopback, synthetic source, auto backend", () => {
  const c = loadConfig([], noEnv);
  assert.equal(c.port, 8080);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.source, "synthetic:");
  assert.equal(c.backend, "auto");
  assert.deepEqual(c.apm, DEFAULT_APM_CONFIG);
});

Deno.test("config: a flag wins over its environment variable, which wins over the default", () => {
  const env = (n: string) =>
    ({ PORT: "9000", ISLANDS_STEPS_PER_FRAME: "3", ISLANDS_SOURCE: "a.mp4" })[n];
  const c = loadConfig(["--port", "9100"], env);
  assert.equal(c.port, 9100);
  assert.equal(c.apm.stepsPerFrame, 3);
  assert.equal(c.source, "a.mp4");
});

Deno.test("config rejects bad values with a message naming the option", () => {
  assert.throws(
    () => loadConfig(["--port", "http"], noEnv),
    (e) => e instanceof ConfigError && /--port/.test(e.message),
  );
  assert.throws(() => loadConfig(["--grid", "3.5"], noEnv), /--grid .*integer/);
  assert.throws(() => loadConfig(["--backend", "tpu"], noEnv), /--backend must be/);
  assert.throws(() => loadConfig(["--pos-dim", "30"], noEnv), /multiple of 4/);
  assert.throws(() => loadConfig(["--no-such-flag", "1"], noEnv), ConfigError);
  assert.throws(() => loadConfig(["--weather", "fog"], noEnv), /--weather: .*severity/);
  assert.throws(() => loadConfig(["--realtime", "yes"], noEnv), /--realtime must be true or false/);
  assert.throws(() => loadConfig(["--stall-timeout", "0"], noEnv), /--stall-timeout/);
  assert.equal(loadConfig(["--realtime", "false"], noEnv).realtime, false);
  assert.equal(loadConfig([], noEnv).realtime, true);
  assert.equal(loadConfig(["--weather", "clear/30,fog:4@60"], noEnv).weather, "clear/30,fog:4@60");
});

Deno.test("--help lists every option with its environment variable and default", () => {
  const text = helpText();
  for (const o of OPTIONS) {
    assert.ok(text.includes(`--${o.flag}`) && text.includes(o.env), o.flag);
  }
  assert.equal(loadConfig(["--help"], noEnv).help, true);
});
