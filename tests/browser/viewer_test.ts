/// <reference lib="dom" />
/// <reference lib="deno.ns" />
/**
 * The live viewer in a real Chromium: the real server on `synthetic:` (no teacher, so it starts
 * fast), the page at `/`, and the island overlay checked pixel by pixel once maps flow.
 *
 * Needs Chromium at /usr/bin/chromium (or $CHROMIUM); playwright-core only drives it.
 */
import assert from "node:assert/strict";
import { type Browser, chromium } from "playwright-core";
import { type RunningServer, startServer } from "../integration/_server.ts";
import { BORING_FIXTURE, writeSyntheticClip } from "../../fixtures/make_fixtures.ts";
import { type IslandMap, IslandsClient } from "../../src/client/islands_client.js";
import jpegJs from "jpeg-js";

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
const ARTIFACTS = new URL("../../out/test-artifacts/", import.meta.url);
const MAPS_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

Deno.test("viewer: live frame with a coloured island overlay", async () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startServer(["--teacher", "none", "--source", "synthetic:"]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    const pageErrors: string[] = [];
    const cspViolations: string[] = [];
    const consoleErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    page.on("console", (msg) => {
      const text = msg.text();
      if (/content security policy/i.test(text)) cspViolations.push(text);
      else if (msg.type() === "error") consoleErrors.push(text);
    });
    // Also catch violations that produce no console line.
    await page.addInitScript(() => {
      const w = globalThis as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        w.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`);
      });
    });

    const response = await page.goto(`${server.url}/`);
    assert.equal(response?.status(), 200, "GET / answers 200");

    try {
      await page.waitForFunction(
        () => Number(document.getElementById("overlay")?.dataset.maps ?? 0) >= 3,
        undefined,
        { timeout: MAPS_TIMEOUT_MS, polling: 200 },
      );
    } catch (e) {
      const maps = await page.$eval("#overlay", (c) => (c as HTMLCanvasElement).dataset.maps)
        .catch(() => "?");
      const message = await page.$eval("#message", (m) => m.textContent).catch(() => "?");
      throw new Error(
        `the overlay drew ${maps} maps in ${MAPS_TIMEOUT_MS} ms (page message: ${message}; ` +
          `page errors: ${pageErrors.join("; ") || "none"}); server stderr:\n` +
          server.stderr().slice(-2000),
        { cause: e },
      );
    }

    // Distinct island fill colours on the overlay: translucent pixels (the fill), not the
    // opaque boundaries nor transparent ones; a colour counts when it covers a real area.
    const readOverlay = () =>
      page.$eval("#overlay", (node) => {
        const canvas = node as HTMLCanvasElement;
        const ctx = canvas.getContext("2d")!;
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const counts = new Map<number, number>();
        let transparent = 0, opaque = 0, translucent = 0;
        for (let i = 0; i < data.length; i += 4) {
          const a = data[i + 3];
          if (a === 0) transparent++;
          else if (a === 255) opaque++;
          else if (a >= 60 && a <= 200) {
            translucent++;
            const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
        }
        const minArea = Math.max(16, Math.floor(canvas.width * canvas.height * 0.002));
        const colours = [...counts.entries()].filter(([, n]) => n >= minArea).length;
        return {
          width: canvas.width,
          height: canvas.height,
          maps: Number(canvas.dataset.maps),
          colours,
          transparent,
          opaque,
          translucent,
        };
      });
    // The first maps of a fresh model may be a single island (it has not learnt the scene yet):
    // keep reading for a while before judging.
    const deadline = Date.now() + MAPS_TIMEOUT_MS;
    let overlay = await readOverlay();
    while (overlay.colours <= 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      overlay = await readOverlay();
    }
    // The frame canvas holds a real picture, not a blank.
    const frame = await page.$eval("#frame", (node) => {
      const canvas = node as HTMLCanvasElement;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 7) {
        seen.add((data[i] >> 3 << 10) | (data[i + 1] >> 3 << 5) | (data[i + 2] >> 3));
      }
      return { width: canvas.width, height: canvas.height, colours: seen.size };
    });
    const stats = await page.$eval("#stat-rate", (n) => n.textContent);
    const streams = await page.$$eval("#streams li", (lis) => lis.map((li) => li.textContent));
    const csp = await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);

    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const shot = new URL("viewer.png", ARTIFACTS).pathname;
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    console.log(
      `overlay ${overlay.width}x${overlay.height}: ${overlay.maps} maps drawn, ` +
        `${overlay.colours} island colours (${overlay.translucent} fill, ${overlay.opaque} ` +
        `boundary, ${overlay.transparent} transparent px); frame ${frame.width}x${frame.height} ` +
        `with ${frame.colours} colours; maps/s ${stats}; streams ${JSON.stringify(streams)}`,
    );

    assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
    assert.deepEqual(cspViolations, [], "no CSP violations reported on the console");
    assert.deepEqual(csp, [], "no securitypolicyviolation events");
    assert.deepEqual(consoleErrors, [], "no console errors");
    assert.ok(overlay.maps >= 3, `at least 3 maps drawn, got ${overlay.maps}`);
    assert.ok(
      overlay.colours > 1,
      `more than one island colour on the overlay, got ${overlay.colours}`,
    );
    assert.ok(overlay.opaque > 0, "island boundaries are drawn");
    assert.ok(frame.colours > 8, `the frame canvas shows a picture, got ${frame.colours} colours`);
    assert.ok(streams.some((s) => s?.includes("default")), "the stream list shows 'default'");
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
  }
});

Deno.test("viewer: a 16:9 file stream shows at 16:9 with its islands on the picture", async () => {
  const dir = await Deno.makeTempDir();
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    const clip = `${dir}/wide.mp4`;
    await writeSyntheticClip(clip, { ...BORING_FIXTURE, width: 640, height: 360, seconds: 3 });
    server = await startServer(["--teacher", "none", "--source", `file://${clip}?loop=1`]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    page.on("console", (msg) => {
      if (msg.type() === "error" || /content security policy/i.test(msg.text())) {
        pageErrors.push(msg.text());
      }
    });
    await page.goto(`${server.url}/`);
    await page.waitForFunction(
      () => Number(document.getElementById("overlay")?.dataset.maps ?? 0) >= 3,
      undefined,
      { timeout: MAPS_TIMEOUT_MS, polling: 200 },
    );
    // A fresh model's first maps may hold a single island: wait for a few.
    await page.waitForFunction(
      () => {
        const c = document.getElementById("overlay") as HTMLCanvasElement;
        const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4 * 13) {
          if (data[i + 3] > 0 && data[i + 3] < 255) {
            colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          }
        }
        return colours.size >= 3;
      },
      undefined,
      { timeout: MAPS_TIMEOUT_MS, polling: 500 },
    );
    const geometry = await page.evaluate(() => {
      const box = (id: string) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const r = c.getBoundingClientRect();
        return { width: c.width, height: c.height, cssW: r.width, cssH: r.height, x: r.x, y: r.y };
      };
      return { frame: box("frame"), overlay: box("overlay") };
    });
    // Alignment: the overlay and the picture must be the server's labels and frame of the map
    // shown, pixel for pixel. A client of our own takes the same subscription (the same maps, the
    // same bytes); the page says which frame it shows. Each layer is compared with the server's
    // at its place and shifted a few pixels: only the right place may match.
    const client = await IslandsClient.connect(`${server.url}/v1/ws`);
    const sent = new Map<number, IslandMap>();
    await client.subscribe("default", {
      format: "binary",
      rle: true,
      include: ["islands", "features", "frame"],
      resolution: { width: 640, height: 360 },
      frameSize: { width: 640, height: 360 },
    }, (map) => {
      sent.set(map.frame, map);
      sent.delete(map.frame - 200);
    });
    let shown: { frame: number; overlay: number[]; picture: number[] } | null = null;
    for (let tries = 0; !shown && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      const onScreen = await page.evaluate(() => {
        const pixels = (id: string) => {
          const c = document.getElementById(id) as HTMLCanvasElement;
          return [...c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data];
        };
        const overlay = document.getElementById("overlay") as HTMLCanvasElement;
        return {
          frame: Number(overlay.dataset.frame),
          overlay: pixels("overlay"),
          picture: pixels("frame"),
        };
      });
      if (sent.has(onScreen.frame)) shown = onScreen;
    }
    client.close();
    assert.ok(shown, "a map the page shows was also received by the test's client");
    const map = sent.get(shown.frame)!;
    const { width: w, height: h, labels } = map;
    const jpeg = jpegJs.decode(map.frameJpeg!.data, { useTArray: true });
    const boundary = (x: number, y: number) => {
      const i = y * w + x;
      return (x + 1 < w && labels[i + 1] !== labels[i]) ||
        (y + 1 < h && labels[i + w] !== labels[i]);
    };
    const agreement: Record<string, { boundaries: number; picture: number }> = {};
    for (const [dx, dy] of [[0, 0], [4, 0], [-4, 0], [0, 4], [0, -4], [3, 3], [-3, -3]]) {
      let both = 0, either = 0, diff = 0, n = 0;
      for (let y = 8; y < h - 8; y++) {
        for (let x = 8; x < w - 8; x++) {
          const o = (y * w + x) * 4, q = ((y + dy) * w + x + dx) * 4;
          const drawn = shown.overlay[o + 3] === 255, cut = boundary(x + dx, y + dy);
          if (drawn && cut) both++;
          if (drawn || cut) either++;
          for (let c = 0; c < 3; c++) diff += Math.abs(shown.picture[o + c] - jpeg.data[q + c]);
          n += 3;
        }
      }
      // Boundaries: intersection over union of the drawn and the server's. Picture: mean
      // absolute difference from the server's JPEG, decoded here.
      agreement[`${dx},${dy}`] = { boundaries: both / either, picture: diff / n };
    }
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const shot = new URL("viewer-16x9.png", ARTIFACTS).pathname;
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    console.log(
      `16:9 viewer: ${
        JSON.stringify(geometry)
      }; frame ${shown.frame}: agreement with the server's ${JSON.stringify(agreement)}`,
    );

    assert.deepEqual(pageErrors, [], "no errors in the page");
    const { frame, overlay } = geometry;
    // The working frame is 640x360; the viewer shows maps of at most 640 on the long side.
    assert.deepEqual([frame.width, frame.height], [640, 360], "the picture at the frame's size");
    assert.deepEqual([overlay.width, overlay.height], [640, 360], "the overlay at the same size");
    assert.ok(Math.abs(frame.cssW / frame.cssH - 16 / 9) < 0.005, "the picture shows at 16:9");
    for (const k of ["cssW", "cssH", "x", "y"] as const) {
      assert.ok(Math.abs(frame[k] - overlay[k]) < 0.5, `overlay and picture boxes agree: ${k}`);
    }
    const aligned = agreement["0,0"];
    assert.ok(aligned.boundaries > 0.99, `the overlay draws the server's boundaries`);
    assert.ok(aligned.picture < 4, `the picture is the server's frame`);
    for (const [offset, v] of Object.entries(agreement)) {
      if (offset === "0,0") continue;
      assert.ok(v.boundaries < 0.9 * aligned.boundaries, `boundaries shifted by ${offset}`);
      assert.ok(v.picture > aligned.picture + 2, `picture shifted by ${offset}`);
    }
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("viewer: asks for a token when auth is on, and takes one from #token=", async () => {
  const token = "viewer-token-0123456789abcdef";
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startServer([
      "--teacher",
      "none",
      "--source",
      "synthetic:",
      "--auth",
      "on",
      "--viewer-tokens",
      token,
    ]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    const mapsAtLeast = (n: number) =>
      page.waitForFunction(
        (n) => Number(document.getElementById("overlay")?.dataset.maps ?? 0) >= n,
        n,
        { timeout: MAPS_TIMEOUT_MS, polling: 200 },
      );

    // No token: the API answers 401 and the viewer shows the token form.
    await page.goto(`${server.url}/`);
    await page.waitForSelector("#auth:not(.hidden)", { timeout: 10_000 });
    // A wrong token is refused and the form stays, saying so.
    await page.fill("#token", "not-the-right-token-at-all");
    await page.click('#auth button[type="submit"]');
    await page.waitForFunction(
      () => /refused/.test(document.getElementById("auth-reason")?.textContent ?? ""),
      undefined,
      { timeout: 10_000 },
    );
    // The right one: maps flow, and the token is kept for the session.
    await page.fill("#token", token);
    await page.click('#auth button[type="submit"]');
    await mapsAtLeast(1);
    assert.ok(await page.$eval("#auth", (f) => f.classList.contains("hidden")), "form hidden");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("islands.token")), token);

    // A fresh page given the token in the address: used, then removed from the address bar.
    const second = await browser.newPage();
    second.on("pageerror", (err) => pageErrors.push(String(err)));
    await second.goto(`${server.url}/#token=${encodeURIComponent(token)}`);
    await second.waitForFunction(
      () => Number(document.getElementById("overlay")?.dataset.maps ?? 0) >= 1,
      undefined,
      { timeout: MAPS_TIMEOUT_MS, polling: 200 },
    );
    assert.ok(!second.url().includes(token), `the token left the address bar: ${second.url()}`);
    assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
  }
});
