/**
 * Test helper: finds ffmpeg processes by reading /proc, so tests check what the OS sees rather
 * than the bookkeeping of the code under test.
 *
 * @module
 */

/** A process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  /** Single-letter state; `Z` is a zombie (exited but not reaped). */
  state: string;
  cmdline: string;
}

/**
 * Every ffmpeg (or, with `name`, every such program, e.g. `ffprobe`) that is a child of this Deno
 * process, zombies included (a zombie means the child exited but was never reaped).
 */
export function ffmpegChildren(name = "ffmpeg"): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    let cmdline: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(" ");
    if (comm === name && Number(ppid) === Deno.pid) {
      found.push({ pid: Number(entry.name), state, cmdline: cmdline.trim() });
    }
  }
  return found;
}

/** Like `pgrep -f text`: pids of processes (any parent) whose command line contains `text`. */
export async function pgrep(text: string): Promise<number[]> {
  const { stdout } = await new Deno.Command("pgrep", { args: ["-f", "--", text] }).output();
  return new TextDecoder().decode(stdout).split("\n").filter((l) => l).map(Number)
    .filter((pid) => pid !== Deno.pid);
}
