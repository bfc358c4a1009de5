import assert from "node:assert/strict";
import {
  applyStreamOptions,
  ConfigError,
  helpText,
  loadConfig,
  OPTIONS,
  streamSettingsAsOptions,
} from "../src/config.ts";
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
  assert.throws(
    () => loadConfig(["--realtime", "yes"], noEnv),
    /--realtime .*must be true or false/,
  );
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

Deno.test("config file: a flag wins over the environment, which wins over the file", () => {
  const file = JSON.stringify({
    port: 9200,
    "steps-per-frame": 2,
    fps: 6,
    "admin-tokens": ["a", "b"],
  });
  const read = (p: string) => {
    assert.equal(p, "/etc/islands.json");
    return file;
  };
  const env = (n: string) => ({ ISLANDS_CONFIG: "/etc/islands.json", ISLANDS_FPS: "7" })[n];
  const c = loadConfig(["--port", "9300"], env, read);
  assert.equal(c.port, 9300);
  assert.equal(c.fps, 7);
  assert.equal(c.apm.stepsPerFrame, 2);
  assert.deepEqual(c.adminTokens, ["a", "b"]);
  assert.deepEqual(c.streams.map((s) => s.id), ["default"], "no streams declared: a default one");
});

Deno.test("config file: declared streams get the file's defaults plus their own options", () => {
  const file = JSON.stringify({
    teacher: "none",
    streams: [
      { id: "gate", source: "rtsp://cam.local/live" },
      { id: "yard", source: "synthetic:", options: { fps: 3, grid: 16 } },
    ],
  });
  const c = loadConfig(["--config", "x.json"], noEnv, () => file);
  assert.deepEqual(c.streams.map((s) => s.id), ["gate", "yard"]);
  assert.equal(c.streams[0].settings.source, "rtsp://cam.local/live");
  assert.equal(c.streams[0].settings.apm.teacher, "none");
  assert.equal(c.streams[1].settings.fps, 3);
  assert.equal(c.streams[1].settings.apm.grid, 16);
  assert.equal(c.streams[0].settings.apm.grid, DEFAULT_APM_CONFIG.grid);
  const withSource = loadConfig(["--config", "x.json", "--source", "a.mp4"], noEnv, () => file);
  assert.deepEqual(withSource.streams.map((s) => s.id), ["default", "gate", "yard"]);
});

Deno.test("config file: mistakes are refused with the file, key and what is allowed", () => {
  const load = (text: string) => () => loadConfig(["--config", "c.json"], noEnv, () => text);
  assert.throws(load("{"), /c\.json is not valid JSON/);
  assert.throws(load("[]"), /JSON object/);
  assert.throws(load('{"prot": 1}'), /unknown key "prot"/);
  assert.throws(load('{"port": "x"}'), /"port" in c\.json must be an integer/);
  assert.throws(load('{"streams": {}}'), /"streams" must be a list/);
  assert.throws(load('{"streams": [{"source": "synthetic:"}]}'), /"id" must be/);
  assert.throws(
    load('{"streams": [{"id": "a", "source": "synthetic:"}, {"id": "a", "source": "synthetic:"}]}'),
    /declared twice/,
  );
  assert.throws(
    load('{"streams": [{"id": "a", "source": "synthetic:", "options": {"port": 1}}]}'),
    /server-wide option/,
  );
  assert.throws(
    load('{"streams": [{"id": "a", "source": "synthetic:", "url": "x"}]}'),
    /unknown key "url"/,
  );
  assert.throws(
    () => loadConfig(["--config", "/no/such.json"], noEnv, (p) => Deno.readTextFileSync(p)),
    /cannot read the config file \/no\/such\.json/,
  );
});

Deno.test("per-stream options: applied over a base, validated, server-wide ones refused", () => {
  const base = loadConfig([], noEnv);
  const s = applyStreamOptions(base, { fps: "4", "steps-per-frame": 2, realtime: false });
  assert.equal(s.fps, 4);
  assert.equal(s.apm.stepsPerFrame, 2);
  assert.equal(s.realtime, false);
  assert.equal(base.apm.stepsPerFrame, DEFAULT_APM_CONFIG.stepsPerFrame, "the base is untouched");
  assert.throws(() => applyStreamOptions(base, { host: "0.0.0.0" }), /server-wide/);
  assert.throws(() => applyStreamOptions(base, { "pos-dim": 30 }), /multiple of 4/);
  assert.throws(() => applyStreamOptions(base, { realtime: "yes" }), /true or false/);
  assert.equal(streamSettingsAsOptions(s)["steps-per-frame"], 2);
  assert.deepEqual(
    Object.keys(streamSettingsAsOptions(s)).sort(),
    OPTIONS.filter((o) => o.scope === "stream").map((o) => o.flag).sort(),
  );
});

Deno.test("server options: auth mode, CORS origins and limits are checked", () => {
  assert.throws(() => loadConfig(["--auth", "maybe"], noEnv), /--auth must be auto, on or off/);
  assert.throws(() => loadConfig(["--cors-origins", "example.com"], noEnv), /not an origin/);
  assert.deepEqual(
    loadConfig(["--cors-origins", "https://a.example, http://b.example:8080"], noEnv).corsOrigins,
    ["https://a.example", "http://b.example:8080"],
  );
  assert.throws(() => loadConfig(["--subscriber-queue", "0"], noEnv), /at least 1/);
  assert.throws(() => loadConfig(["--ws-idle-timeout", "0"], noEnv), /positive/);
  const secret = "s3cret-token-value-123456";
  assert.throws(
    () =>
      loadConfig(
        ["--config", "c.json"],
        noEnv,
        () => JSON.stringify({ "admin-tokens": [secret, 5] }),
      ),
    (e) => e instanceof ConfigError && !String(e.message).includes(secret),
  );
});

Deno.test("--frame-size: default 640, 0 or 64..4096, per stream, from flag, environment or file", () => {
  assert.equal(loadConfig([], noEnv).frameSize, 640);
  assert.equal(loadConfig(["--frame-size", "0"], noEnv).frameSize, 0);
  assert.equal(loadConfig([], (n) => ({ ISLANDS_FRAME_SIZE: "1280" })[n]).frameSize, 1280);
  const file = JSON.stringify({ "frame-size": 320, streams: [{ id: "a", source: "synthetic:" }] });
  const c = loadConfig(["--config", "f.json"], noEnv, () => file);
  assert.equal(c.streams[0].settings.frameSize, 320, "the file's value is each stream's default");
  for (const bad of ["32", "5000", "1.5", "63"]) {
    assert.throws(
      () => loadConfig(["--frame-size", bad], noEnv),
      /--frame-size( \(ISLANDS_FRAME_SIZE\))? (must be an integer|must be 0 \(the source's own size\) or an integer from 64 to 4096)/,
      bad,
    );
  }
  const base = loadConfig([], noEnv);
  const s = applyStreamOptions(base, { "frame-size": 1920 });
  assert.equal(s.frameSize, 1920);
  assert.equal(streamSettingsAsOptions(s)["frame-size"], 1920);
  assert.throws(
    () => applyStreamOptions(base, { "frame-size": 10 }),
    /options\.frame-size must be 0 \(the source's own size\) or an integer from 64 to 4096/,
  );
});

Deno.test("--encoding-budget is a share of the main thread in (0, 1]", () => {
  const noEnv = () => undefined;
  assert.equal(loadConfig([], noEnv).encodingBudget, 0.1);
  assert.equal(loadConfig(["--encoding-budget", "0.5"], noEnv).encodingBudget, 0.5);
  assert.throws(
    () => loadConfig(["--encoding-budget", "0"], noEnv),
    /--encoding-budget must be in/,
  );
  assert.throws(
    () => loadConfig(["--encoding-budget", "2"], noEnv),
    /--encoding-budget must be in/,
  );
});
