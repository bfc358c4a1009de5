/**
 * Starts the real server (`src/main.ts`) as a child process for a benchmark: port 0, no
 * checkpoints (every run starts from the same fresh model), `rest` as its options; resolves
 * once it listens.
 *
 * @module
 */

/** A running server child and its base URL (`http://host:port`). */
export interface BenchServer {
  url: string;
  child: Deno.ChildProcess;
}

/** Starts the server with `rest` (server options) and waits for its "listening on" line. */
export async function startBenchServer(rest: string[]): Promise<BenchServer> {
  const main = new URL("../src/main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "--port", "0", "--state-dir", "", ...rest],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "", url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited: ${out}`);
    out += value;
    url = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/)?.[1] ?? "";
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return { url, child };
}
