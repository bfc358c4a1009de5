/**
 * Bearer-token authentication with two roles: viewers may read, admins may also change things.
 * Tokens are compared in constant time and never appear in errors or logs.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";

export type Role = "viewer" | "admin";

export interface AuthOptions {
  required: boolean;
  adminTokens: string[];
  viewerTokens: string[];
}

export type CheckResult =
  | { ok: true; role: Role }
  | { ok: false; status: 401 | 403; error: string; message: string };

/** Shorter tokens are guessable enough that accepting them would be a false sense of security. */
export const MIN_TOKEN_LENGTH = 16;

const TOKEN_SOURCES = "tokens come from --viewer-tokens / --admin-tokens";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

export class Authenticator {
  readonly required: boolean;
  readonly #admin: Buffer[];
  readonly #viewer: Buffer[];

  constructor(opts: AuthOptions) {
    const lists = [["--admin-tokens", opts.adminTokens], ["--viewer-tokens", opts.viewerTokens]];
    for (const [flag, tokens] of lists as Array<[string, string[]]>) {
      tokens.forEach((t, i) => {
        // Names the position, never the token, so the error is safe to print.
        if (t.length < MIN_TOKEN_LENGTH) {
          throw new Error(
            `${flag}: token #${i + 1} is ${t.length} characters; tokens must be at least ` +
              `${MIN_TOKEN_LENGTH} characters (e.g. generate one with \`openssl rand -hex 32\`)`,
          );
        }
        if (/\s/.test(t)) {
          throw new Error(`${flag}: token #${i + 1} contains whitespace, which cannot be sent`);
        }
      });
    }
    if (opts.required && opts.adminTokens.length + opts.viewerTokens.length === 0) {
      throw new Error(
        "authentication is required but no tokens are configured; pass --admin-tokens and/or " +
          "--viewer-tokens",
      );
    }
    this.required = opts.required;
    this.#admin = opts.adminTokens.map(digest);
    this.#viewer = opts.viewerTokens.map(digest);
  }

  /**
   * The role a presented token grants, or null. Admin tokens also grant viewer. Both sides are
   * hashed to fixed-length digests and every stored token is compared (no early exit), so neither
   * a token's content nor its length leaks through timing.
   */
  roleOf(token: string | null): Role | null {
    if (!token) return null;
    const presented = digest(token);
    let admin = false;
    let viewer = false;
    for (const d of this.#admin) admin = timingSafeEqual(presented, d) || admin;
    for (const d of this.#viewer) viewer = timingSafeEqual(presented, d) || viewer;
    return admin ? "admin" : viewer ? "viewer" : null;
  }

  /**
   * Extracts the token from `Authorization: Bearer <t>` or, when allowQuery, the `access_token`
   * query parameter (browsers cannot set WebSocket headers). Returns null if absent or malformed.
   * A present but malformed Authorization header does not fall back to the query.
   */
  static tokenFrom(req: Request, allowQuery: boolean): string | null {
    const header = req.headers.get("authorization");
    if (header !== null) {
      // The scheme is case-insensitive (RFC 7235); the token is one run of non-space characters.
      const m = /^\s*bearer +(\S+)\s*$/i.exec(header);
      return m ? m[1] : null;
    }
    if (!allowQuery) return null;
    let params: URLSearchParams;
    try {
      params = new URL(req.url).searchParams;
    } catch {
      return null;
    }
    const all = params.getAll("access_token");
    // Repeated parameters are ambiguous; refuse rather than guess which one a proxy would pick.
    return all.length === 1 && all[0] !== "" ? all[0] : null;
  }

  /** Decides a request; when auth is not required everyone is admin. `need` is the route's role. */
  check(req: Request, need: Role, allowQuery: boolean): CheckResult {
    if (!this.required) return { ok: true, role: "admin" };
    const how = allowQuery
      ? "send Authorization: Bearer <token> (or ?access_token=<token> for WebSockets)"
      : "send Authorization: Bearer <token>";
    const token = Authenticator.tokenFrom(req, allowQuery);
    if (token === null) {
      return {
        ok: false,
        status: 401,
        error: "unauthorized",
        message: `missing or malformed credentials; ${how}; ${TOKEN_SOURCES}`,
      };
    }
    const role = this.roleOf(token);
    if (role === null) {
      return {
        ok: false,
        status: 401,
        error: "unauthorized",
        message: `the token is not recognised; ${how} with a configured token; ${TOKEN_SOURCES}`,
      };
    }
    if (need === "admin" && role !== "admin") {
      return {
        ok: false,
        status: 403,
        error: "forbidden",
        message: "this request needs an admin token; the token sent is a viewer token; " +
          "use a token from --admin-tokens",
      };
    }
    return { ok: true, role };
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * True for addresses that only this machine can reach: 127.0.0.0/8, ::1 (any spelling, bracketed
 * or not, and IPv4-mapped loopback), localhost. Wildcards such as 0.0.0.0 and :: are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h === "localhost" || h === "localhost.") return true;
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  const family = isIP(h);
  if (family === 0) return false;
  // BlockList also matches ::ffff:127.x.x.x against the IPv4 subnet.
  return LOOPBACK.check(h, family === 4 ? "ipv4" : "ipv6");
}
