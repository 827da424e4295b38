/** mmstats for Node: read and validate mmstats files (format version 1). */
export { ERROR_CODES, FormatError, ReadError, type ErrorCode, type Problem } from "./errors.js";
export { DEFAULT_MAX_SIZE } from "./io.js";
export type { Decoded, Field, Value, ValueKind } from "./model.js";
export { canonicalJson } from "./json.js";
export { floatRepr } from "./floatrepr.js";
export { read, readBuffer, readPath, StatsReader, type ReadOptions } from "./reader.js";
export { validate, validateBuffer, validatePath, type Validation, type ValidateOptions } from "./validate.js";
export { SUPPORTED_VERSIONS } from "./version.js";
