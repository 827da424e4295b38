/** Version 2 constants and tables (spec/v2.md: "Header", "Metadata entries", "Kinds and value types"). */
export const FORMAT_VERSION = 2;
export const MAGIC = Uint8Array.from([0x4d, 0x4d, 0x53, 0x54, 0x41, 0x54, 0x53]); // "MMSTATS"
export const PAGE_SIZE = 4096;
export const ALIGN = 8;
export const HEADER_SIZE = 128;
export const ENTRY_FIXED_SIZE = 32;
export const UNIT_MAX = 63;

/** Header field offsets. */
export const H = {
  magic: 1, minor: 8, headerSize: 10, state: 12, pid: 16, startTicks: 24, createdUnixNs: 32,
  heartbeatUnixNs: 40, heartbeatIntervalMs: 48, entryFixedSize: 52, flags: 54, metaOffset: 56,
  metaCapacity: 60, processOffset: 64, processCapacity: 68, slotsOffset: 72, slotSize: 76, slotCount: 80,
  slotsUsed: 84, fieldCount: 88, overflowCount: 92,
} as const;

/** The header words a running writer changes; every other byte of the first HEADER_SIZE stays. */
export const CHANGING_HEADER_WORDS: readonly (readonly [number, number])[] = [
  [H.state, 4], [H.heartbeatUnixNs, 8], [H.slotsUsed, 4], [H.fieldCount, 4], [H.overflowCount, 4],
];

/** Entry field offsets, from the entry's first byte. */
export const E = {
  entrySize: 0, kind: 4, valueType: 5, flags: 6, valueOffset: 8, valueSize: 12, nameSize: 16,
  unitSize: 18, helpSize: 20, attributesSize: 22, extraSize: 24, reserved: 28,
} as const;

export const STATES = ["creating", "ready", "closed"] as const;
export const STATE_CREATING = 0;
export const STATE_CLOSED = 2;

export type StateName = "ready" | "closed";

export type TypeName = "u64" | "i64" | "f64" | "utf8";
export const VALUE_TYPES: ReadonlyMap<number, TypeName> = new Map<number, TypeName>([
  [1, "u64"], [2, "i64"], [3, "f64"], [4, "utf8"],
]);

export type KindName = "counter" | "gauge" | "updown_counter" | "constant" | "string" | "histogram";

export interface Kind {
  readonly name: KindName;
  /** Slotted values have one copy per slot and are summed; process values have one copy. */
  readonly slotted: boolean;
  readonly types: readonly TypeName[];
}

export const KINDS: ReadonlyMap<number, Kind> = new Map<number, Kind>([
  [1, { name: "counter", slotted: true, types: ["u64", "f64"] }],
  [2, { name: "gauge", slotted: false, types: ["u64", "i64", "f64"] }],
  [3, { name: "updown_counter", slotted: true, types: ["i64", "f64"] }],
  [4, { name: "constant", slotted: false, types: ["u64", "i64", "f64", "utf8"] }],
  [5, { name: "string", slotted: false, types: ["utf8"] }],
  [6, { name: "histogram", slotted: true, types: ["f64"] }],
]);

/** Bytes of a number, and the fixed parts of multi-word values (sequence + length, sequence + sum). */
export const NUMBER_SIZE = 8;
export const STRING_HEADER_SIZE = 16;
export const STRING_LENGTH_AT = 8;
export const HISTOGRAM_HEADER_SIZE = 16;
export const HISTOGRAM_SUM_AT = 8;

/** Attempts per multi-word copy before it counts as "no value" ("Reading a multi-word value"). */
export const SEQ_RETRIES = 100;
