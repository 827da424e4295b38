/** The one place that chooses a format by the version byte at offset 0. */
import { problem, sortProblems, type Problem } from "./errors.js";
import type { Field } from "./model.js";
import type { ByteSource } from "./source.js";
import { v1 } from "./v1/index.js";
import { fileSizeProblems } from "./v1/scan.js";

/** A file's layout, parsed once: which bytes hold which value. */
export interface Layout {
  readonly formatVersion: number;
  /** Bytes from offset 0 that hold every value: what a re-read of the values copies. */
  readonly span: number;
  /** Whether a fresh copy of [0, span) still has this layout (every byte that is not a value is unchanged). */
  matches(image: Uint8Array): boolean;
  /** The values, decoded from a copy of the file (throws ProblemSignal when a re-read finds a problem). */
  values(source: ByteSource): Field[];
}

/** What each format version provides. */
export interface FormatModule {
  readonly version: number;
  /** Every problem of an image whose version byte is this version's, unsorted. */
  problems(image: Uint8Array): Problem[];
  /** The layout of an image, or its problems when it has any. */
  layout(image: Uint8Array): Layout | Problem[];
}

/** Readable versions by their version byte. Version 2 joins here as one more module. */
const MODULES: ReadonlyMap<number, FormatModule> = new Map([[v1.version, v1]]);

export const SUPPORTED_VERSIONS: readonly number[] = [...MODULES.keys()];

type Dispatch = { module: FormatModule } | { problems: Problem[] };

function dispatch(image: Uint8Array): Dispatch {
  if (image.length === 0) return { problems: [problem("not_ready", 0, "the file is empty: a writer is creating it")] };
  const version = image[0]!;
  if (version === 0) return { problems: [problem("not_ready", 0, "version byte is 0x00: a writer is creating it")] };
  const module = MODULES.get(version);
  if (module) return { module };
  const known = SUPPORTED_VERSIONS.map((v) => `0x${v.toString(16).padStart(2, "0")}`).join(", ");
  // An unknown version's record list is skipped; its size is still checked, as version 1 says.
  return {
    problems: [
      problem("bad_version", 0, `version byte is 0x${version.toString(16).padStart(2, "0")}; readable: ${known}`),
      ...fileSizeProblems(image.length),
    ],
  };
}

/** Every problem of an image, sorted by offset ("Finding problems"). */
export function findProblems(image: Uint8Array): Problem[] {
  const d = dispatch(image);
  return sortProblems("module" in d ? d.module.problems(image) : d.problems);
}

/** The layout of a valid image, or its first problem. */
export function parseLayout(image: Uint8Array): Layout | Problem {
  const d = dispatch(image);
  const result = "module" in d ? d.module.layout(image) : d.problems;
  return Array.isArray(result) ? sortProblems(result)[0]! : result;
}
