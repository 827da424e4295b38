/** Reading files into the decoded form: once (read) or again and again (StatsReader). */
import { FormatError, ProblemSignal, type Problem } from "./errors.js";
import { maxSizeOption, OpenFile, tooLarge, identityOf, sameIdentity, snapshot, type FileIdentity, type PathLike } from "./io.js";
import type { Contents, Decoded } from "./model.js";
import { displayPath, jsonPath } from "./paths.js";
import type { ByteSource } from "./source.js";
import { parseLayout, type Layout } from "./version.js";

export interface ReadOptions {
  /** Refuse files larger than this many bytes with file_too_large (default 256 MiB). */
  readonly maxSize?: number;
  /** The path reported for an in-memory buffer (default `<buffer>`). */
  readonly path?: string;
}

function isLayout(x: Layout | Problem): x is Layout {
  return "values" in x;
}

/** The values of a layout, with a problem found on re-read reported against the file. */
function decodeWith(layout: Layout, source: ByteSource, path: PathLike): Contents {
  try {
    return layout.values(source);
  } catch (e) {
    if (e instanceof ProblemSignal) throw new FormatError(displayPath(path), e.problem);
    throw e;
  }
}

/** Reads a whole file image held in memory. */
export function readBuffer(bytes: Uint8Array, options?: ReadOptions): Decoded {
  const path = options?.path ?? "<buffer>";
  const maxSize = maxSizeOption(options?.maxSize);
  if (bytes.length > maxSize) {
    throw new FormatError(displayPath(path), tooLarge(bytes.length, maxSize));
  }
  const layout = parseLayout(bytes);
  if (!isLayout(layout)) throw new FormatError(displayPath(path), layout);
  return { path: jsonPath(path), ...decodeWith(layout, { image: bytes }, path) };
}

/** Reads a file by path (a Buffer path is taken as raw bytes, for names that are not UTF-8). */
export function readPath(path: PathLike, options?: ReadOptions): Decoded {
  return new StatsReader(path, options).read();
}

/** Reads a file given by path, or a whole file image given as bytes. */
export function read(source: string | Uint8Array, options?: ReadOptions): Decoded {
  return typeof source === "string" ? readPath(source, options) : readBuffer(source, options);
}

/**
 * Reads one file again and again. The layout is parsed once per file identity (device, inode, size,
 * ctime); later reads copy only the records, check that every byte that is not a value is unchanged,
 * re-check each buffered record's write buffer and retry a value whose buffer flipped during the copy.
 * A replaced or rewritten file is parsed afresh.
 */
export class StatsReader {
  readonly path: PathLike;
  private readonly maxSize: number;
  private cached: { identity: FileIdentity; layout: Layout } | undefined;
  private parses = 0;

  constructor(path: PathLike, options?: Omit<ReadOptions, "path">) {
    this.path = path;
    this.maxSize = maxSizeOption(options?.maxSize);
  }

  /** How many times the layout has been parsed (once per file identity). */
  get layoutParses(): number {
    return this.parses;
  }

  /** The current values. Throws FormatError (not_ready means: try again later) or ReadError. */
  read(): Decoded {
    const file = OpenFile.open(this.path);
    try {
      const reread = (offset: number, length: number) => file.pread(offset, length);
      const cached = this.cached;
      if (cached && sameIdentity(cached.identity, identityOf(file.stat()))) {
        const image = file.pread(0, cached.layout.span);
        if (cached.layout.matches(image)) {
          return this.decoded(decodeWith(cached.layout, { image, reread }, this.path));
        }
      }
      this.cached = undefined;
      const snap = snapshot(file, this.maxSize);
      if (!("image" in snap)) throw new FormatError(displayPath(this.path), snap);
      const layout = parseLayout(snap.image);
      if (!isLayout(layout)) throw new FormatError(displayPath(this.path), layout);
      this.parses++;
      this.cached = { identity: snap.identity, layout };
      return this.decoded(decodeWith(layout, { image: snap.image, reread }, this.path));
    } finally {
      file.close();
    }
  }

  private decoded(contents: Contents): Decoded {
    return { path: jsonPath(this.path), ...contents };
  }
}
