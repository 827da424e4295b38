/** Command-line arguments of both commands: [--max-size BYTES] [--] FILE... */
import { readFileSync } from "node:fs";
import { DEFAULT_MAX_SIZE } from "../io.js";
import { displayPath } from "../paths.js";
import { decodeReplacing } from "../utf8.js";

export interface Args {
  readonly maxSize: number;
  readonly files: readonly (string | Buffer)[];
}

export class UsageError extends Error {}

/** `--help`: the usage goes to stdout and the command exits 0. */
export class HelpRequested extends Error {}

/**
 * The arguments as the kernel holds them: Node decodes argv as UTF-8 with replacement, so a file name
 * that is not UTF-8 is recovered from /proc/self/cmdline (Linux) to open the right file.
 */
export function rawArgs(): (string | Buffer)[] {
  const args = process.argv.slice(2);
  let raw: Buffer[];
  try {
    const cmdline = readFileSync("/proc/self/cmdline");
    raw = [];
    let start = 0;
    for (let i = 0; i < cmdline.length; i++) {
      if (cmdline[i] === 0) {
        raw.push(cmdline.subarray(start, i));
        start = i + 1;
      }
    }
    raw = raw.slice(raw.length - args.length);
  } catch {
    return args;
  }
  if (raw.length !== args.length) return args;
  return args.map((a, i) => {
    const bytes = raw[i]!;
    if (Buffer.from(a, "utf8").equals(bytes)) return a;
    return decodeReplacing(bytes) === a ? bytes : a;
  });
}

const SIZE = /^[0-9]+$/;

function parseSize(text: string): number {
  if (!SIZE.test(text)) {
    throw new UsageError(`--max-size wants a non-negative number of bytes, got '${displayPath(text)}'`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--max-size ${text} is too large`);
  return n;
}

export function parseArgs(argv: readonly (string | Buffer)[]): Args {
  let maxSize = DEFAULT_MAX_SIZE;
  const files: (string | Buffer)[] = [];
  let options = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const text = typeof arg === "string" ? arg : "";
    if (options && (text === "--help" || text === "-h")) throw new HelpRequested();
    else if (options && text === "--") options = false;
    else if (options && (text === "--max-size" || text === "-max-size")) {
      const next = argv[++i];
      if (next === undefined) throw new UsageError("--max-size needs a value");
      maxSize = parseSize(typeof next === "string" ? next : next.toString("latin1"));
    } else if (options && text.startsWith("--max-size=")) maxSize = parseSize(text.slice("--max-size=".length));
    else if (options && text.startsWith("-") && text !== "-") throw new UsageError(`unknown option '${displayPath(text)}'`);
    else files.push(arg);
  }
  if (files.length === 0) throw new UsageError("no FILE given");
  return { maxSize, files };
}

export function usage(name: string): string {
  return `usage: ${name} [--max-size BYTES] FILE...\n` +
    `  --max-size BYTES  refuse files larger than this (file_too_large); default ${DEFAULT_MAX_SIZE}\n`;
}
