/** mmstats for Node: read and validate mmstats files (format versions 1 and 2). */
export { ERROR_CODES, FormatError, ReadError, type ErrorCode, type Problem } from "./errors.js";
export { DEFAULT_MAX_SIZE } from "./io.js";
export type { Contents, ContentsV1, ContentsV2, Decoded, Field, FieldV2, HistogramValue, Value, ValueKind, ValueV2 } from "./model.js";
export { floatRepr } from "./floatrepr.js";
export { read, readBuffer, readPath, StatsReader, type ReadOptions } from "./reader.js";
export { validate, validateBuffer, validatePath, type Validation, type ValidateOptions } from "./validate.js";
export { canonicalJson, SUPPORTED_VERSIONS } from "./version.js";
