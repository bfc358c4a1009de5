/**
 * Starts the real server (`src/main.ts`) as a child process on a free port, for integration tests.
 *
 * @module
 */

/** A server child process and where it listens. */
export interface RunningServer {
  url: string;
  wsUrl: string;
  process: Deno.ChildProcess;
  /** Everything the server printed on stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/**
 * Starts `src/main.ts` with `args` on port 0 and waits for its "listening on" line. Unless `args`
 * name a `--state-dir`, checkpoints go to a fresh temporary directory (removed at stop), so no
 * test resumes another's weights.
 */
export async function startServer(args: string[], timeoutMs = 60_000): Promise<RunningServer> {
  const stateDir = args.includes("--state-dir") ? null : await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "--port",
      "0",
      ...(stateDir ? ["--state-dir", stateDir] : []),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let errText = "";
  const errDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (errText += s) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = Date.now() + timeoutMs;
  let url = "";
  while (!url) {
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}\n${errText}`);
    const { value, done } = await lines.read();
    if (done) throw new Error(`server exited before listening: ${out}\n${errText}`);
    out += value;
    const m = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/);
    if (m) url = m[1];
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  const outDone = (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    process: child,
    stderr: () => errText,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await Promise.all([outDone, errDone]);
      if (stateDir) await Deno.remove(stateDir, { recursive: true });
    },
  };
}
