/** The one place that chooses a format by the version byte at offset 0. */
import { problem, sortProblems, type Problem } from "./errors.js";
import type { Contents, Decoded } from "./model.js";
import type { ByteSource } from "./source.js";
import { v1 } from "./v1/index.js";
import { v2 } from "./v2/index.js";
import { fileSizeProblems } from "./v1/scan.js";

/** A file's layout, parsed once: which bytes hold which value. */
export interface Layout {
  readonly formatVersion: Contents["formatVersion"];
  /** Bytes from offset 0 that hold every value: what a re-read of the values copies. */
  readonly span: number;
  /** Whether a fresh copy of [0, span) still has this layout (every byte that is not a value is unchanged). */
  matches(image: Uint8Array): boolean;
  /** The values, decoded from a copy of the file (throws ProblemSignal when a re-read finds a problem). */
  values(source: ByteSource): Contents;
}

/** What each format version provides. */
export interface FormatModule {
  readonly version: number;
  /**
   * Whether problems come in the order the version's walk finds them, the first being the reader's answer
   * (version 2); otherwise they are sorted by offset (version 1).
   */
  readonly problemsInWalkOrder?: boolean;
  /** Every problem of an image whose version byte is this version's. */
  problems(image: Uint8Array): Problem[];
  /** The layout of an image, or its problems when it has any. */
  layout(image: Uint8Array): Layout | Problem[];
  /** The canonical JSON document of contents of this version, on one line. */
  canonicalJson(path: string, contents: Contents): string;
}

/** Readable versions by their version byte. */
const MODULES: ReadonlyMap<number, FormatModule> = new Map([[v1.version, v1], [v2.version, v2]]);

export const SUPPORTED_VERSIONS: readonly number[] = [...MODULES.keys()];

type Dispatch = { module: FormatModule } | { problems: Problem[] };

function ordered(module: FormatModule | undefined, problems: Problem[]): Problem[] {
  return module?.problemsInWalkOrder ? problems : sortProblems(problems);
}

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
  return "module" in d ? ordered(d.module, d.module.problems(image)) : sortProblems(d.problems);
}

/** The layout of a valid image, or its first problem. */
export function parseLayout(image: Uint8Array): Layout | Problem {
  const d = dispatch(image);
  const module = "module" in d ? d.module : undefined;
  const result = module ? module.layout(image) : (d as { problems: Problem[] }).problems;
  return Array.isArray(result) ? ordered(module, result)[0]! : result;
}

/** The canonical JSON document of a decoded file, by its format version. */
export function canonicalJson(decoded: Decoded): string {
  return MODULES.get(decoded.formatVersion)!.canonicalJson(decoded.path, decoded);
}
