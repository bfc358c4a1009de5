/** Subscription messages: the resolutions a client may ask for, and the ones refused. */
import assert from "node:assert/strict";
import { parseClientMessage, ProtocolError } from "../../src/server/client_messages.ts";

const subscribe = (extra: Record<string, unknown>) =>
  parseClientMessage(JSON.stringify({ type: "subscribe", stream: "cam", ...extra }));

Deno.test("resolution: grid (the default), frame, source or a size of 1..2048 a side", () => {
  const options = (extra: Record<string, unknown>) => {
    const m = subscribe(extra);
    assert.equal(m.type, "subscribe");
    return m.type === "subscribe" ? m.options : null;
  };
  assert.equal(options({})?.resolution, "grid");
  for (const r of ["grid", "frame", "source"]) {
    assert.equal(options({ resolution: r })?.resolution, r);
  }
  assert.deepEqual(options({ resolution: { width: 640, height: 360 } })?.resolution, {
    width: 640,
    height: 360,
  });
  for (
    const bad of [
      "4k",
      "Source",
      { width: 0, height: 10 },
      { width: 2049, height: 10 },
      {
        width: 640,
      },
      { width: 64.5, height: 36 },
      [640, 360],
    ]
  ) {
    assert.throws(
      () => subscribe({ resolution: bad }),
      (e: Error) =>
        e instanceof ProtocolError && e.code === "bad_message" &&
        e.message.includes('"resolution" must be "grid", "frame", "source" or {"width": W') &&
        e.message.includes("1..2048"),
      JSON.stringify(bad),
    );
  }
});

Deno.test("the message limit counts UTF-8 bytes, as the client sent them", () => {
  // A ping has no "pad": under the limit the message is refused for that, not for its size.
  const code = (pad: string) => {
    try {
      parseClientMessage(JSON.stringify({ type: "ping", pad }));
      return "accepted";
    } catch (e) {
      return e instanceof ProtocolError ? e.code : String(e);
    }
  };
  // {"type":"ping","pad":""} is 24 bytes; 16,384 in all is the largest message that passes.
  assert.equal(code("€".repeat(5453) + "x"), "bad_message"); // 16,359 + 1 + 24 bytes
  assert.equal(code("€".repeat(5454)), "message_too_large"); // 16,386 bytes, 5,478 characters
  assert.equal(code("😀".repeat(4090)), "bad_message"); // 4 bytes, 2 UTF-16 units each
  assert.equal(code("😀".repeat(4091)), "message_too_large");
});
