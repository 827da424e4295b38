/** mmstats-ts-read FILE...: the canonical JSON of each file, one document per line. */
import { canonicalJson } from "../version.js";
import { readPath } from "../reader.js";
import { EXIT_OK, runCommand } from "./run.js";

runCommand("mmstats-ts-read", (path, args) => {
  process.stdout.write(canonicalJson(readPath(path, { maxSize: args.maxSize })) + "\n");
  return EXIT_OK;
});
