/** Format version 2: everything version-specific, behind the interface the dispatcher uses. */
import { ProblemSignal, type Problem } from "../errors.js";
import { exactInteger } from "../model.js";
import type { ByteSource } from "../source.js";
import type { FormatModule, Layout } from "../version.js";
import { CHANGING_HEADER_WORDS, FORMAT_VERSION, H, STATE_CLOSED, STATES, type StateName } from "./constants.js";
import { canonicalJsonV2 } from "./json.js";
import type { ContentsV2 } from "./model.js";
import { entryValue } from "./values.js";
import { parseHeader, walkEntries, type Cursor, type Entry, type Header } from "./walk.js";

function isHeader(x: Header | Problem[]): x is Header {
  return !Array.isArray(x);
}

/** The walk: every problem in the order found, and what it parsed. */
function walk(image: Uint8Array): { header?: Header; entries: Entry[]; cursor?: Cursor; problems: Problem[] } {
  const h = parseHeader(image);
  if (!isHeader(h)) return { entries: [], problems: h };
  const w = walkEntries(image, h);
  return { header: h, entries: w.entries, cursor: w.cursor, problems: w.problems };
}

/**
 * A parsed file. Published entries never change, so a later copy of the same file is decoded with the
 * entries parsed so far; entries published since (field_count grew) are walked from the cursor, only them.
 */
class V2Layout implements Layout {
  readonly formatVersion = FORMAT_VERSION;
  readonly span: number;
  private readonly header: Header;
  private readonly entries: Entry[];
  private cursor: Cursor;
  /** The bytes that never change: the header but for its changing words, and the entries walked. */
  private original: Uint8Array;

  constructor(image: Uint8Array, header: Header, entries: Entry[], cursor: Cursor) {
    this.span = image.length;
    this.header = header;
    this.entries = entries;
    this.cursor = cursor;
    this.original = image.slice(0, cursor.offset);
  }

  matches(image: Uint8Array): boolean {
    if (image.length < this.span) return false;
    const d = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const state = d.getUint32(H.state, true);
    const slotsUsed = d.getUint32(H.slotsUsed, true);
    if (state === 0 || state >= STATES.length || slotsUsed < 1 || slotsUsed > this.header.slotCount) return false;
    if (d.getUint32(H.fieldCount, true) < this.cursor.index) return false;
    const changing = (i: number) => CHANGING_HEADER_WORDS.some(([at, n]) => i >= at && i < at + n);
    for (let i = 0; i < this.original.length; i++) {
      if (image[i] !== this.original[i] && !changing(i)) return false;
    }
    return true;
  }

  values(source: ByteSource): ContentsV2 {
    const image = source.image;
    const d = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const fieldCount = d.getUint32(H.fieldCount, true);
    if (fieldCount > this.cursor.index) this.extend(image, fieldCount);
    const state = STATES[d.getUint32(H.state, true)] as StateName;
    const slotsUsed = d.getUint32(H.slotsUsed, true);
    const closed = d.getUint32(H.state, true) === STATE_CLOSED;
    const h = this.header;
    return {
      formatVersion: FORMAT_VERSION, minor: h.minor, state, pid: exactInteger(h.pid),
      startTicks: exactInteger(h.startTicks), createdUnixNs: exactInteger(h.createdUnixNs),
      heartbeatUnixNs: exactInteger(d.getBigUint64(H.heartbeatUnixNs, true)),
      heartbeatIntervalMs: h.heartbeatIntervalMs, overflowCount: d.getUint32(H.overflowCount, true),
      fields: this.entries.map((e) => ({
        label: e.label, kind: e.kind.name, type: e.type, unit: e.unit, help: e.help, attributes: e.attributes,
        value: entryValue(e, source, slotsUsed, closed),
      })),
    };
  }

  /** Walks only the entries published since the last walk. */
  private extend(image: Uint8Array, fieldCount: number): void {
    const w = walkEntries(image, { ...this.header, fieldCount }, this.cursor);
    if (w.problems.length > 0) throw new ProblemSignal(w.problems[0]!);
    this.entries.push(...w.entries);
    this.cursor = w.cursor;
    this.original = image.slice(0, w.cursor.offset);
  }
}

export const v2: FormatModule = {
  version: FORMAT_VERSION,
  problemsInWalkOrder: true,
  problems(image: Uint8Array): Problem[] {
    return walk(image).problems;
  },
  layout(image: Uint8Array): Layout | Problem[] {
    const w = walk(image);
    if (w.problems.length > 0 || !w.header || !w.cursor) return w.problems;
    return new V2Layout(image, w.header, w.entries, w.cursor);
  },
  canonicalJson(path: string, contents): string {
    return canonicalJsonV2(path, contents as ContentsV2);
  },
};
