import assert from "node:assert/strict";
import { OPTIONS } from "../src/config.ts";

Deno.test("README documents every option with its environment variable and default", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (const o of OPTIONS) {
    const row = readme.split("\n").find((l) => /^\|\s*`--([a-z-]+)`\s*\|/.exec(l)?.[1] === o.flag);
    assert.ok(row, `README has no row for --${o.flag}`);
    assert.ok(row.includes(`\`${o.env}\``), `README row of --${o.flag} lacks ${o.env}`);
    const shown = o.default === "" ? "(none)" : `\`${o.default}\``;
    assert.ok(row.includes(shown), `README row of --${o.flag} lacks ${shown}`);
  }
});
