/** What both commands share: argument handling, exit statuses, error lines. */
import { FormatError, ReadError, type Problem } from "../errors.js";
import { displayPath } from "../paths.js";
import { HelpRequested, parseArgs, rawArgs, usage, UsageError, type Args } from "./args.js";

/** Exit statuses of the conformance protocol. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE_OR_IO = 2;

export function problemLine(path: string | Buffer, p: Problem): string {
  return `${displayPath(path)}: offset ${p.offset}: ${p.code}: ${p.message}\n`;
}

/** Runs `perFile` for every FILE and sets the exit status: the worst of all files (2 over 1 over 0). */
export function runCommand(name: string, perFile: (path: string | Buffer, args: Args) => number): void {
  // A closed pipe (`| head`) ends the output quietly instead of crashing.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? EXIT_OK);
  });
  let args: Args;
  try {
    args = parseArgs(rawArgs());
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(usage(name));
      return;
    }
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${name}: ${e.message}\n${usage(name)}`);
    process.exitCode = EXIT_USAGE_OR_IO;
    return;
  }
  let status = EXIT_OK;
  for (const path of args.files) {
    let s: number;
    try {
      s = perFile(path, args);
    } catch (e) {
      if (e instanceof FormatError) {
        process.stderr.write(`${e.message}\n`);
        s = EXIT_INVALID;
      } else if (e instanceof ReadError) {
        process.stderr.write(`${name}: ${e.message}\n`);
        s = EXIT_USAGE_OR_IO;
      } else {
        process.stderr.write(`${name}: ${displayPath(path)}: internal error: ${e instanceof Error ? e.stack : e}\n`);
        s = EXIT_USAGE_OR_IO;
      }
    }
    status = Math.max(status, s);
  }
  process.exitCode = status;
}
