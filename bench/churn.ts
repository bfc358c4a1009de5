/**
 * Stream churn: adds and deletes a stream many times on the real server (a child process) and
 * prints the server's resident memory and main-thread JS heap (its /metrics) every `--every`
 * cycles, to tell a leak (memory that grows with the cycles) from warm-up (memory that levels
 * off).
 *
 *   deno run -A bench/churn.ts [--cycles 500] [--every 25] [--source synthetic:] [server options]
 *
 * Each cycle: POST a stream, wait until it has processed a frame, DELETE it.
 */
import { parseArgs } from "node:util";
import { startBenchServer } from "./_server.ts";
import { splitArgs } from "./_split_args.ts";

const [own, rest] = splitArgs(Deno.args, ["--cycles", "--every", "--source"]);
const { values } = parseArgs({
  args: own,
  options: {
    cycles: { type: "string", default: "500" },
    every: { type: "string", default: "25" },
    source: { type: "string", default: "synthetic:" },
  },
});
const cycles = +values.cycles!, every = +values.every!;

const { url, child } = await startBenchServer(rest);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server's resident memory and main-thread JS heap, MB (from its /metrics). */
async function memoryMb(): Promise<{ rssMb: number; heapMb: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) =>
    Math.round(+(text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1] ?? NaN) / 2 ** 20);
  return {
    rssMb: read("process_resident_memory_bytes"),
    heapMb: read("islands_js_heap_used_bytes"),
  };
}

try {
  // Only the churned stream runs.
  await fetch(`${url}/v1/streams/default`, { method: "DELETE" });
  const rows: { cycle: number; rssMb: number; heapMb: number; seconds: number }[] = [];
  const t0 = performance.now();
  rows.push({ cycle: 0, ...await memoryMb(), seconds: 0 });
  console.error(JSON.stringify(rows[0]));
  for (let c = 1; c <= cycles; c++) {
    const r = await fetch(`${url}/v1/streams`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "churn", source: values.source }),
    });
    if (r.status !== 201) throw new Error(`cycle ${c}: POST ${r.status} ${await r.text()}`);
    for (;;) {
      const s = await (await fetch(`${url}/v1/streams/churn`)).json();
      if (s.framesProcessed >= 1) break;
      if (s.state === "failed") throw new Error(`cycle ${c}: ${s.error}`);
      await sleep(50);
    }
    const d = await fetch(`${url}/v1/streams/churn`, { method: "DELETE" });
    if (d.status !== 204) throw new Error(`cycle ${c}: DELETE ${d.status}`);
    if (c % every === 0) {
      const row = {
        cycle: c,
        ...await memoryMb(),
        seconds: Math.round((performance.now() - t0) / 1000),
      };
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  }
  console.log(JSON.stringify(
    {
      machine: `${Deno.build.os}-${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
      source: values.source,
      options: rest,
      rows,
    },
    null,
    2,
  ));
} finally {
  child.kill("SIGTERM");
  await child.status;
}
