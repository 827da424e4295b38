/** The walk of spec/v2.md "Finding problems": the header, the entries, and every problem, in the order found. */
import { problem, type Problem } from "../errors.js";
import { firstIllFormed } from "../utf8.js";
import {
  ALIGN, E, ENTRY_FIXED_SIZE, H, HEADER_SIZE, HISTOGRAM_HEADER_SIZE, KINDS, MAGIC, NUMBER_SIZE, PAGE_SIZE,
  STATE_CREATING, STATES, STRING_HEADER_SIZE, STRING_LENGTH_AT, UNIT_MAX, VALUE_TYPES,
  type Kind, type StateName, type TypeName,
} from "./constants.js";

/** The header as numbers; 64-bit words as bigint. */
export interface Header {
  readonly minor: number;
  readonly headerSize: number;
  readonly state: StateName;
  readonly pid: bigint;
  readonly startTicks: bigint;
  readonly createdUnixNs: bigint;
  readonly heartbeatUnixNs: bigint;
  readonly heartbeatIntervalMs: number;
  readonly entryFixedSize: number;
  readonly metaOffset: number;
  readonly metaCapacity: number;
  readonly processOffset: number;
  readonly processCapacity: number;
  readonly slotsOffset: number;
  readonly slotSize: number;
  readonly slotCount: number;
  readonly slotsUsed: number;
  readonly fieldCount: number;
  readonly overflowCount: number;
}

/** One published entry of known kind and value type: where its value is and what it means. */
export interface Entry {
  readonly label: string;
  readonly kind: Kind;
  readonly type: TypeName;
  readonly unit: string;
  readonly help: string;
  readonly attributes: ReadonlyMap<string, string>;
  /** Offset of the value's copy in the process area, or in slot 0. */
  readonly at: number;
  /** Bytes from one slot's copy to the next (slot_size); 0 for a process value. */
  readonly stride: number;
  readonly size: number;
  readonly bounds: readonly number[];
}

/** Where the entry walk stopped: the next entry's offset and how many entries were walked. */
export interface Cursor {
  readonly offset: number;
  readonly index: number;
}

export interface EntryWalk {
  readonly entries: Entry[];
  readonly problems: Problem[];
  /** After the last entry walked; a structural problem leaves it at the broken entry. */
  readonly cursor: Cursor;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const ascii = new TextDecoder("latin1");

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Steps 3 to 6 for an image whose version byte is 02: the header, or the problems that stop the walk. */
export function parseHeader(image: Uint8Array): Header | Problem[] {
  const size = image.length;
  const badSize = () => problem("bad_file_size", size, `file size ${size} is not a positive multiple of ${PAGE_SIZE}`);
  // The magic before the size, as far as the file has it: a file that is not version 2 gets a version 1
  // reader's answer (bad_version, and bad_file_size as for any unknown version); a cut version 2 file is
  // bad_file_size.
  for (let i = 0; i < MAGIC.length && H.magic + i < size; i++) {
    if (image[H.magic + i] !== MAGIC[i]) {
      const bad = problem("bad_version", 0, "version byte 0x02, but bytes 1 to 7 are not \"MMSTATS\": not a version 2 file");
      return size % PAGE_SIZE !== 0 ? [bad, badSize()] : [bad];
    }
  }
  if (size === 0 || size % PAGE_SIZE !== 0) return [badSize()];
  const v = view(image);
  const u16 = (at: number) => v.getUint16(at, true);
  const u32 = (at: number) => v.getUint32(at, true);
  const u64 = (at: number) => v.getBigUint64(at, true);
  const state = u32(H.state);
  if (state === STATE_CREATING) return [problem("not_ready", H.state, "state is 0 (creating): the writer has not published the file")];
  if (state >= STATES.length) return [problem("bad_state", H.state, `state is ${state}; allowed: 0, 1, 2`)];
  const headerSize = u16(H.headerSize);
  if (headerSize < HEADER_SIZE || headerSize % ALIGN !== 0) {
    return [problem("bad_header_size", H.headerSize, `header_size is ${headerSize}; want at least ${HEADER_SIZE}, a multiple of ${ALIGN}`)];
  }
  const entryFixedSize = u16(H.entryFixedSize);
  if (entryFixedSize < ENTRY_FIXED_SIZE || entryFixedSize % ALIGN !== 0) {
    return [problem("bad_count", H.entryFixedSize, `entry_fixed_size is ${entryFixedSize}; want at least ${ENTRY_FIXED_SIZE}, a multiple of ${ALIGN}`)];
  }
  const h: Header = {
    minor: u16(H.minor), headerSize, state: STATES[state] as StateName, pid: u64(H.pid), startTicks: u64(H.startTicks),
    createdUnixNs: u64(H.createdUnixNs), heartbeatUnixNs: u64(H.heartbeatUnixNs),
    heartbeatIntervalMs: u32(H.heartbeatIntervalMs), entryFixedSize, metaOffset: u32(H.metaOffset),
    metaCapacity: u32(H.metaCapacity), processOffset: u32(H.processOffset), processCapacity: u32(H.processCapacity),
    slotsOffset: u32(H.slotsOffset), slotSize: u32(H.slotSize), slotCount: u32(H.slotCount),
    slotsUsed: u32(H.slotsUsed), fieldCount: u32(H.fieldCount), overflowCount: u32(H.overflowCount),
  };
  const regionProblem = checkRegions(h, size);
  if (regionProblem) return [regionProblem];
  if (h.slotsUsed < 1 || h.slotsUsed > h.slotCount) {
    return [problem("bad_count", H.slotsUsed, `slots_used is ${h.slotsUsed}; want 1 to ${h.slotCount}`)];
  }
  return h;
}

/** "Regions": the first rule broken, or undefined. Sums of u32 are exact in a number. */
function checkRegions(h: Header, size: number): Problem | undefined {
  const metaEnd = h.metaOffset + h.metaCapacity;
  const processEnd = h.processOffset + h.processCapacity;
  // Beyond 2^53 the product is inexact, but then it is far past any file size.
  const slotsEnd = h.slotsOffset + h.slotCount * h.slotSize;
  const rules: [boolean, number, string][] = [
    [h.metaOffset % ALIGN === 0 && h.metaOffset >= h.headerSize, H.metaOffset,
      `meta_offset ${h.metaOffset} is not a multiple of ${ALIGN} at or after the header (${h.headerSize})`],
    [h.metaCapacity % ALIGN === 0, H.metaCapacity, `meta_capacity ${h.metaCapacity} is not a multiple of ${ALIGN}`],
    [h.processOffset % ALIGN === 0 && h.processOffset >= metaEnd, H.processOffset,
      `process_offset ${h.processOffset} is not a multiple of ${ALIGN} at or after the metadata end (${metaEnd})`],
    [h.processCapacity % ALIGN === 0, H.processCapacity, `process_capacity ${h.processCapacity} is not a multiple of ${ALIGN}`],
    [h.slotsOffset % ALIGN === 0 && h.slotsOffset >= processEnd, H.slotsOffset,
      `slots_offset ${h.slotsOffset} is not a multiple of ${ALIGN} at or after the process area end (${processEnd})`],
    [h.slotSize % ALIGN === 0, H.slotSize, `slot_size ${h.slotSize} is not a multiple of ${ALIGN}`],
    [h.slotCount >= 1 && slotsEnd <= size, H.slotCount,
      `${h.slotCount} slots of ${h.slotSize} bytes from ${h.slotsOffset} end at ${slotsEnd}; ` +
      `want at least 1 slot, ending at or before the file size ${size}`],
  ];
  for (const [ok, at, what] of rules) if (!ok) return problem("bad_region", at, what);
  return undefined;
}

/** Step 7 from `from` up to field_count entries: the entries of known kind and value type, and the problems. */
export function walkEntries(image: Uint8Array, h: Header, from: Cursor = { offset: h.metaOffset, index: 0 }): EntryWalk {
  const v = view(image);
  const fixed = h.entryFixedSize;
  const metaEnd = h.metaOffset + h.metaCapacity;
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  let e = from.offset;
  let index = from.index;
  for (; index < h.fieldCount; index++) {
    if (metaEnd - e < fixed) {
      problems.push(problem("bad_entry_size", e,
        `entry at ${e}: only ${metaEnd - e} bytes left in the metadata region, the fixed part needs ${fixed}`));
      break;
    }
    const entrySize = v.getUint32(e + E.entrySize, true);
    if (entrySize < fixed || entrySize % ALIGN !== 0 || e + entrySize > metaEnd) {
      problems.push(problem("bad_entry_size", e,
        `entry_size is ${entrySize}; want at least ${fixed}, a multiple of ${ALIGN}, ending by ${metaEnd}`));
      break;
    }
    const sizes = {
      name: v.getUint16(e + E.nameSize, true), unit: v.getUint16(e + E.unitSize, true),
      help: v.getUint16(e + E.helpSize, true), attributes: v.getUint16(e + E.attributesSize, true),
      extra: v.getUint32(e + E.extraSize, true),
    };
    const strings = fixed + sizes.name + sizes.unit + sizes.help + sizes.attributes;
    const extraRel = strings + ((ALIGN - (strings % ALIGN)) % ALIGN);
    if (extraRel + sizes.extra > entrySize) {
      problems.push(problem("bad_lengths", e + E.nameSize,
        `name, unit, help, attributes and extra need ${extraRel + sizes.extra} bytes; entry_size is ${entrySize}`));
      break;
    }
    const entry = checkEntry(image, v, h, e, sizes, extraRel, problems);
    if (entry) entries.push(entry);
    e += entrySize;
  }
  return { entries, problems, cursor: { offset: e, index } };
}

interface Sizes {
  readonly name: number;
  readonly unit: number;
  readonly help: number;
  readonly attributes: number;
  readonly extra: number;
}

/** Steps 7.2 and 7.3 for the entry at `e`: its layout when it has no problem and a known kind and type. */
function checkEntry(image: Uint8Array, v: DataView, h: Header, e: number, sizes: Sizes, extraRel: number,
  problems: Problem[]): Entry | undefined {
  const before = problems.length;
  const nameAt = e + h.entryFixedSize;
  const unitAt = nameAt + sizes.name;
  const helpAt = unitAt + sizes.unit;
  const attrsAt = helpAt + sizes.help;
  if (sizes.name === 0) problems.push(problem("bad_name", e + E.nameSize, "name_size is 0: a field needs a name"));
  const badName = firstIllFormed(image, nameAt, unitAt);
  if (badName >= 0) problems.push(problem("bad_utf8", badName, `the name is not well-formed UTF-8 at byte ${badName - nameAt}`));
  if (sizes.unit > UNIT_MAX) {
    problems.push(problem("bad_unit", e + E.unitSize, `unit_size is ${sizes.unit}; at most ${UNIT_MAX}`));
  } else {
    for (let i = unitAt; i < helpAt; i++) {
      const b = image[i]!;
      if (b < 0x21 || b > 0x7e) {
        problems.push(problem("bad_unit", i, `unit byte 0x${b.toString(16).padStart(2, "0")}; allowed 0x21 to 0x7e`));
        break;
      }
    }
  }
  const badHelp = firstIllFormed(image, helpAt, attrsAt);
  if (badHelp >= 0) problems.push(problem("bad_utf8", badHelp, `the help text is not well-formed UTF-8 at byte ${badHelp - helpAt}`));
  const attributes = parseAttributes(image, attrsAt, attrsAt + sizes.attributes, problems);

  const kind = KINDS.get(image[e + E.kind]!);
  const type = VALUE_TYPES.get(image[e + E.valueType]!);
  if (!kind || !type) return undefined; // a later minor's kind or value type: skipped, never a problem
  if (!kind.types.includes(type)) {
    problems.push(problem("bad_value_type", e + E.valueType, `a ${kind.name} of ${type}; allowed: ${kind.types.join(", ")}`));
    return undefined;
  }
  const valueOffset = v.getUint32(e + E.valueOffset, true);
  const valueSize = v.getUint32(e + E.valueSize, true);
  const nBounds = Math.floor(sizes.extra / ALIGN);
  const histogram = kind.name === "histogram";
  let want: string | undefined;
  if (histogram) {
    const size = HISTOGRAM_HEADER_SIZE + NUMBER_SIZE * (nBounds + 1);
    if (valueSize !== size) want = String(size);
  } else if (type === "utf8") {
    if (valueSize < STRING_HEADER_SIZE || valueSize % ALIGN !== 0) want = `${STRING_HEADER_SIZE} + a multiple of ${ALIGN}`;
  } else if (valueSize !== NUMBER_SIZE) want = String(NUMBER_SIZE);
  if (want !== undefined) {
    problems.push(problem("bad_value_size", e + E.valueSize, `value_size is ${valueSize}; want ${want}`));
    return undefined;
  }
  const area = kind.slotted ? h.slotSize : h.processCapacity;
  if (valueOffset % ALIGN !== 0 || valueOffset + valueSize > area) {
    problems.push(problem("bad_value_offset", e + E.valueOffset,
      `value_offset ${valueOffset} + value_size ${valueSize} in an area of ${area} bytes; the offset must be a multiple of ${ALIGN}`));
  }
  let bounds: number[] = [];
  if (histogram) {
    const checked = checkBounds(v, e, e + extraRel, sizes.extra, problems);
    if (!checked) return undefined;
    bounds = checked;
  }
  if (problems.length > before) return undefined;
  const at = (kind.slotted ? h.slotsOffset : h.processOffset) + valueOffset;
  if (type === "utf8") {
    const seq = v.getBigUint64(at, true);
    const length = v.getUint32(at + STRING_LENGTH_AT, true);
    if (seq % 2n === 0n && length > valueSize - STRING_HEADER_SIZE) {
      problems.push(problem("bad_string_length", at + STRING_LENGTH_AT,
        `length ${length} exceeds the capacity ${valueSize - STRING_HEADER_SIZE}`));
      return undefined;
    }
  }
  return {
    label: utf8.decode(image.subarray(nameAt, unitAt)), kind, type,
    unit: ascii.decode(image.subarray(unitAt, helpAt)), help: utf8.decode(image.subarray(helpAt, attrsAt)),
    attributes, at, stride: kind.slotted ? h.slotSize : 0, size: valueSize, bounds,
  };
}

/** "Attributes": the pairs of [start, end); the first problem ends the parse. */
function parseAttributes(image: Uint8Array, start: number, end: number, problems: Problem[]): Map<string, string> {
  const out = new Map<string, string>();
  let pos = start;
  const u16 = (at: number) => image[at]! | (image[at + 1]! << 8);
  while (pos < end) {
    const pair = pos;
    if (end - pos < 2) {
      problems.push(problem("bad_attributes", pair, "one byte left: too short for a key_size"));
      break;
    }
    const keySize = u16(pos);
    pos += 2;
    if (keySize === 0) {
      problems.push(problem("bad_attributes", pair, "an attribute key is empty"));
      break;
    }
    if (pos + keySize + 2 > end) {
      problems.push(problem("bad_attributes", pair, "the key or the value size runs past attributes_size"));
      break;
    }
    const keyEnd = pos + keySize;
    const valueAt = keyEnd + 2;
    const valueEnd = valueAt + u16(keyEnd);
    if (valueEnd > end) {
      problems.push(problem("bad_attributes", pair, "the value runs past attributes_size"));
      break;
    }
    const badKey = firstIllFormed(image, pos, keyEnd);
    if (badKey >= 0) {
      problems.push(problem("bad_utf8", badKey, "an attribute key is not well-formed UTF-8"));
      break;
    }
    const badValue = firstIllFormed(image, valueAt, valueEnd);
    if (badValue >= 0) {
      problems.push(problem("bad_utf8", badValue, "an attribute value is not well-formed UTF-8"));
      break;
    }
    const key = utf8.decode(image.subarray(pos, keyEnd));
    if (out.has(key)) {
      problems.push(problem("bad_attributes", pair, `the attribute key ${JSON.stringify(key)} repeats`));
      break;
    }
    out.set(key, utf8.decode(image.subarray(valueAt, valueEnd)));
    pos = valueEnd;
  }
  return out;
}

/** "Histograms": the bounds, or undefined after reporting the first bad one. */
function checkBounds(v: DataView, e: number, extraAt: number, extraSize: number, problems: Problem[]): number[] | undefined {
  if (extraSize % ALIGN !== 0) {
    problems.push(problem("bad_histogram", e + E.extraSize, `extra_size ${extraSize} is not a multiple of ${ALIGN}`));
    return undefined;
  }
  const bounds: number[] = [];
  for (let i = 0; i < extraSize / ALIGN; i++) {
    const b = v.getFloat64(extraAt + ALIGN * i, true);
    if (!Number.isFinite(b) || (i > 0 && !(b > bounds[i - 1]!))) {
      problems.push(problem("bad_histogram", extraAt + ALIGN * i, `bound ${i} is ${b}; bounds are finite and strictly increasing`));
      return undefined;
    }
    bounds.push(b);
  }
  return bounds;
}
