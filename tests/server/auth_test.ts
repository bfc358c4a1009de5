/**
 * Tests for bearer-token roles: token lookup, token extraction, request decisions, configuration
 * errors and loopback detection.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Authenticator, isLoopbackHost } from "../../src/server/auth.ts";

const ADMIN = "admin-token-0123456789abcdef";
const VIEWER = "viewer-token-0123456789abcdef";
const auth = new Authenticator({ required: true, adminTokens: [ADMIN], viewerTokens: [VIEWER] });

const req = (headers: Record<string, string> = {}, query = "") =>
  new Request(`http://localhost:8080/api/streams${query}`, { headers });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

Deno.test("roleOf maps tokens to roles", () => {
  assert.equal(auth.roleOf(ADMIN), "admin");
  assert.equal(auth.roleOf(VIEWER), "viewer");
  assert.equal(auth.roleOf("wrong-token-0123456789abcdef"), null);
  assert.equal(auth.roleOf(ADMIN.slice(0, -1)), null);
  assert.equal(auth.roleOf(ADMIN + "x"), null);
  assert.equal(auth.roleOf(""), null);
  assert.equal(auth.roleOf(null), null);
});

Deno.test("a token in both lists is admin", () => {
  const a = new Authenticator({ required: true, adminTokens: [ADMIN], viewerTokens: [ADMIN] });
  assert.equal(a.roleOf(ADMIN), "admin");
});

Deno.test("tokenFrom reads the Authorization header and, when allowed, the query", () => {
  assert.equal(Authenticator.tokenFrom(req(bearer("abc")), false), "abc");
  assert.equal(Authenticator.tokenFrom(req({ authorization: "bearer   abc " }), false), "abc");
  assert.equal(Authenticator.tokenFrom(req({ authorization: "Basic xyz" }), true), null);
  assert.equal(Authenticator.tokenFrom(req({ authorization: "Bearer" }), false), null);
  assert.equal(Authenticator.tokenFrom(req({ authorization: "Bearer a b" }), false), null);
  assert.equal(Authenticator.tokenFrom(req(), false), null);
  assert.equal(Authenticator.tokenFrom(req({}, "?access_token=q1"), false), null);
  assert.equal(Authenticator.tokenFrom(req({}, "?access_token=q1"), true), "q1");
  assert.equal(Authenticator.tokenFrom(req({}, "?access_token="), true), null);
  assert.equal(Authenticator.tokenFrom(req({}, "?access_token=a&access_token=b"), true), null);
  // The header wins over the query.
  assert.equal(Authenticator.tokenFrom(req(bearer("h"), "?access_token=q"), true), "h");
});

Deno.test("check decides requests", () => {
  const missing = auth.check(req(), "viewer", false);
  assert.equal(missing.ok, false);
  if (!missing.ok) {
    assert.equal(missing.status, 401);
    assert.match(missing.message, /Authorization: Bearer <token>/);
    assert.match(missing.message, /--viewer-tokens/);
  }
  const wrong = auth.check(req(bearer("wrong-token-0123456789abcdef")), "viewer", false);
  assert.equal(wrong.ok, false);
  if (!wrong.ok) {
    assert.equal(wrong.status, 401);
    assert.ok(!wrong.message.includes("wrong-token"), "message must not echo the token");
  }
  const forbidden = auth.check(req(bearer(VIEWER)), "admin", false);
  assert.equal(forbidden.ok, false);
  if (!forbidden.ok) {
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.message, /--admin-tokens/);
    assert.ok(!forbidden.message.includes(VIEWER));
  }
  assert.deepEqual(auth.check(req(bearer(VIEWER)), "viewer", false), { ok: true, role: "viewer" });
  assert.deepEqual(auth.check(req(bearer(ADMIN)), "viewer", false), { ok: true, role: "admin" });
  assert.deepEqual(auth.check(req(bearer(ADMIN)), "admin", false), { ok: true, role: "admin" });
  const q = `?access_token=${VIEWER}`;
  assert.deepEqual(auth.check(req({}, q), "viewer", true), { ok: true, role: "viewer" });
  assert.equal(auth.check(req({}, q), "viewer", false).ok, false);
});

Deno.test("check lets everyone in as admin when auth is not required", () => {
  const open = new Authenticator({ required: false, adminTokens: [], viewerTokens: [] });
  assert.equal(open.required, false);
  assert.deepEqual(open.check(req(), "admin", false), { ok: true, role: "admin" });
});

Deno.test("constructor rejects unusable configurations without echoing tokens", () => {
  assert.throws(
    () => new Authenticator({ required: true, adminTokens: [], viewerTokens: [] }),
    /no tokens are configured/,
  );
  const short = "short-secret";
  assert.throws(
    () => new Authenticator({ required: true, adminTokens: [ADMIN], viewerTokens: [short] }),
    (e: Error) =>
      /--viewer-tokens: token #1 .*at least 16 characters/.test(e.message) &&
      !e.message.includes(short),
  );
  assert.throws(
    () => new Authenticator({ required: false, adminTokens: [short], viewerTokens: [] }),
    /--admin-tokens: token #1/,
  );
  assert.throws(
    () =>
      new Authenticator({
        required: true,
        adminTokens: ["has space 0123456789"],
        viewerTokens: [],
      }),
    /whitespace/,
  );
});

Deno.test("isLoopbackHost", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (
    const h of ["0.0.0.0", "192.168.1.2", "::", "[::]", "10.0.0.1", "example.com", "", "127.1"]
  ) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});
