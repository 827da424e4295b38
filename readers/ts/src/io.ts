/** Opening and copying a file safely: regular files only, never following links, never blocking, capped. */
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import { problem, ReadError, type Problem } from "./errors.js";
import { displayPath } from "./paths.js";

/** The spec's recommended default size limit (256 MiB). */
export const DEFAULT_MAX_SIZE = 256 * 1024 * 1024;

export type PathLike = string | Buffer;

/** What identifies one version of a file: a change means its layout must be parsed again. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly ctimeNs: bigint;
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.ctimeNs === b.ctimeNs;
}

export function identityOf(st: BigIntStats): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, ctimeNs: st.ctimeNs };
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function errnoText(e: unknown): { text: string; code: string | undefined } {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === "string" ? err.code : undefined;
  const messages: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    ELOOP: "not a regular file (a symbolic link)",
    EISDIR: "not a regular file (a directory)",
    ENXIO: "not a regular file",
  };
  return { text: (code && messages[code]) ?? (err?.message ?? String(e)), code };
}

/** An open, regular file; close it when done. */
export class OpenFile {
  readonly fd: number;
  readonly path: PathLike;

  private constructor(fd: number, path: PathLike) {
    this.fd = fd;
    this.path = path;
  }

  /** Opens `path` read-only without following a final symbolic link, and refuses anything but a regular file. */
  static open(path: PathLike): OpenFile {
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (e) {
      const { text, code } = errnoText(e);
      throw new ReadError(displayPath(path), text, code);
    }
    const file = new OpenFile(fd, path);
    try {
      const st = file.stat();
      if (!st.isFile()) throw new ReadError(displayPath(path), `not a regular file (${kindOf(st)})`, "EINVAL");
    } catch (e) {
      file.close();
      throw e;
    }
    return file;
  }

  stat(): BigIntStats {
    try {
      return fstatSync(this.fd, { bigint: true });
    } catch (e) {
      throw this.error(e);
    }
  }

  /** Up to `length` bytes at `offset`; fewer when the file ends first. */
  pread(offset: number, length: number): Uint8Array {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    try {
      while (got < length) {
        const n = readSync(this.fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
    } catch (e) {
      throw this.error(e);
    }
    return buf.subarray(0, got);
  }

  private error(e: unknown): ReadError {
    const { text, code } = errnoText(e);
    return new ReadError(displayPath(this.path), text, code);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function kindOf(st: BigIntStats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a file";
}

/** The size limit from options: the default, or a non-negative integer. */
export function maxSizeOption(maxSize: number | undefined): number {
  const m = maxSize ?? DEFAULT_MAX_SIZE;
  if (!Number.isSafeInteger(m) || m < 0) throw new RangeError(`maxSize must be a non-negative integer, got ${m}`);
  return m;
}

export function tooLarge(size: bigint | number, maxSize: number): Problem {
  return problem("file_too_large", maxSize, `file size ${size} exceeds the limit of ${maxSize} bytes`);
}

/** Attempts at a copy of a file whose size changes while it is read. */
const COPY_ATTEMPTS = 3;

export interface Snapshot {
  readonly image: Uint8Array;
  readonly identity: FileIdentity;
}

/** A whole copy of the file, or file_too_large; never more than `maxSize` bytes are read. */
export function snapshot(file: OpenFile, maxSize: number): Snapshot | Problem {
  for (let attempt = 0; attempt < COPY_ATTEMPTS; attempt++) {
    const st = file.stat();
    if (st.size > BigInt(maxSize)) return tooLarge(st.size, maxSize);
    const size = Number(st.size);
    const image = file.pread(0, size);
    // One byte more means the file grew during the copy: start again with its new size.
    if (image.length === size && file.pread(size, 1).length > 0) continue;
    return { image, identity: identityOf(st) };
  }
  const st = file.stat();
  if (st.size > BigInt(maxSize)) return tooLarge(st.size, maxSize);
  throw new ReadError(displayPath(file.path), "the file keeps changing size while it is read");
}
