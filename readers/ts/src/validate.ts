/** The validator: every problem of a file, sorted by offset. */
import type { Problem } from "./errors.js";
import { maxSizeOption, OpenFile, snapshot, tooLarge, type PathLike } from "./io.js";
import { findProblems } from "./version.js";

export interface Validation {
  readonly valid: boolean;
  /** Every problem the walk finds, by offset; file_too_large alone when the size limit is hit. */
  readonly problems: readonly Problem[];
}

export interface ValidateOptions {
  readonly maxSize?: number;
}

function result(problems: Problem[]): Validation {
  return { valid: problems.length === 0, problems };
}

export function validateBuffer(bytes: Uint8Array, options?: ValidateOptions): Validation {
  const maxSize = maxSizeOption(options?.maxSize);
  if (bytes.length > maxSize) {
    return result([tooLarge(bytes.length, maxSize)]);
  }
  return result(findProblems(bytes));
}

/** Throws ReadError when the file cannot be read at all. */
export function validatePath(path: PathLike, options?: ValidateOptions): Validation {
  const maxSize = maxSizeOption(options?.maxSize);
  const file = OpenFile.open(path);
  try {
    const snap = snapshot(file, maxSize);
    return "image" in snap ? result(findProblems(snap.image)) : result([snap]);
  } finally {
    file.close();
  }
}

/** Validates a file given by path, or a whole file image given as bytes. */
export function validate(source: string | Uint8Array, options?: ValidateOptions): Validation {
  return typeof source === "string" ? validatePath(source, options) : validateBuffer(source, options);
}
