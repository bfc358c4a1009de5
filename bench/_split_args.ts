/**
 * Splits a bench script's command line: its own `--flag value` pairs, and the rest, which go to
 * the server's config parser (so every server option works in a benchmark too).
 *
 * @module
 */

/** Returns `[own, rest]`: the pairs whose flag is in `ownFlags`, and all other pairs. */
export function splitArgs(args: string[], ownFlags: string[]): [string[], string[]] {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    (ownFlags.includes(args[i]) ? own : rest).push(...args.slice(i, i + 2));
  }
  return [own, rest];
}
