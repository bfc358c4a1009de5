/**
 * Subscribes to one stream's island maps (binary, run-length encoded) and prints a line per map.
 *
 * ```sh
 * deno run --allow-net examples/subscribe.ts [stream] [url]
 * ```
 *
 * `stream` defaults to `$ISLANDS_STREAM` or `default`, `url` to `$ISLANDS_URL` or
 * `ws://127.0.0.1:8080/v1/ws`; a token, when the server wants one, comes from `$ISLANDS_TOKEN`
 * (reading the environment needs `--allow-env`).
 *
 * @module
 */
import { IslandsClient } from "../src/client/islands_client.js";

function env(name: string): string | undefined {
  // Without --allow-env, fall back to the defaults instead of failing.
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
    ? Deno.env.get(name)
    : undefined;
}

const stream = Deno.args[0] ?? env("ISLANDS_STREAM") ?? "default";
const url = Deno.args[1] ?? env("ISLANDS_URL") ?? "ws://127.0.0.1:8080/v1/ws";
const token = env("ISLANDS_TOKEN");

const client = await IslandsClient.connect(url, { token }).catch((e: Error) => {
  console.error(e.message);
  Deno.exit(1);
});
client.onError((e) => console.error(`error ${e.code}: ${e.message}`));
client.onUnsubscribed((e) => {
  console.error(`${e.stream}: unsubscribed (${e.reason})`);
  client.close(1000, "done");
});
client.onClose((code, reason) => {
  console.error(`closed ${code} ${reason}`);
  Deno.exit(code === 1000 ? 0 : 1);
});
Deno.addSignalListener("SIGINT", () => client.close(1000, "bye"));

const { sub, options } = await client.subscribe(
  stream,
  { format: "binary", rle: true },
  (map) => {
    const latency = Date.now() - map.decodedAt;
    console.log(
      `frame ${map.frame} islands ${map.islands?.length ?? "-"} dropped ${map.dropped} ` +
        `latency ${latency.toFixed(1)} ms`,
    );
  },
);
console.error(`subscribed to ${stream} as sub ${sub}: ${JSON.stringify(options)}`);
