/** The error codes of every version ("Errors" sections); every problem carries one and a byte offset. */
export const ERROR_CODES = [
  "not_ready",
  "bad_version",
  "truncated_record",
  "past_eof",
  "bad_label_utf8",
  "unknown_type",
  "bad_write_buffer",
  "trailing_garbage",
  "bad_file_size",
  "file_too_large",
  // version 2
  "bad_header_size",
  "bad_state",
  "bad_region",
  "bad_count",
  "bad_entry_size",
  "bad_lengths",
  "bad_name",
  "bad_utf8",
  "bad_unit",
  "bad_attributes",
  "bad_value_type",
  "bad_value_offset",
  "bad_value_size",
  "bad_histogram",
  "bad_string_length",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One way in which a file breaks the format. */
export interface Problem {
  readonly code: ErrorCode;
  readonly offset: number;
  readonly message: string;
}

export function problem(code: ErrorCode, offset: number, message: string): Problem {
  return { code, offset, message: `${message} (at 0x${offset.toString(16)})` };
}

/** Thrown by readers for a file that breaks the format: the first problem of the file. */
export class FormatError extends Error {
  readonly code: ErrorCode;
  readonly offset: number;
  readonly detail: string;
  readonly path: string;

  constructor(path: string, p: Problem) {
    super(`${path}: offset ${p.offset}: ${p.code}: ${p.message}`);
    this.name = "FormatError";
    this.code = p.code;
    this.offset = p.offset;
    this.detail = p.message;
    this.path = path;
  }
}

/** Thrown when a file cannot be read at all (not a regular file, missing, permission). */
export class ReadError extends Error {
  readonly path: string;
  readonly syscallCode: string | undefined;

  constructor(path: string, reason: string, syscallCode?: string) {
    super(`${path}: cannot read: ${reason}`);
    this.name = "ReadError";
    this.path = path;
    this.syscallCode = syscallCode;
  }
}

/** Sorts problems as "Finding problems" step 7 says: by offset, bad_file_size last on ties, else stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) =>
      a.p.offset - b.p.offset ||
      Number(a.p.code === "bad_file_size") - Number(b.p.code === "bad_file_size") ||
      a.i - b.i)
    .map(({ p }) => p);
}

/** Carries a problem found while decoding values out of a layout, to the caller that knows the path. */
export class ProblemSignal extends Error {
  readonly problem: Problem;

  constructor(p: Problem) {
    super(`offset ${p.offset}: ${p.code}: ${p.message}`);
    this.problem = p;
  }
}
