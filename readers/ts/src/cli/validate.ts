/** mmstats-ts-validate FILE...: every problem of each file on stderr, by offset; exit 1 when any. */
import { validatePath } from "../validate.js";
import { EXIT_INVALID, EXIT_OK, problemLine, runCommand } from "./run.js";

runCommand("mmstats-ts-validate", (path, args) => {
  const { valid, problems } = validatePath(path, { maxSize: args.maxSize });
  for (const p of problems) process.stderr.write(problemLine(path, p));
  return valid ? EXIT_OK : EXIT_INVALID;
});
