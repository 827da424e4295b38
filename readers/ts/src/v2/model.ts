/** The decoded form of a version 2 file ("Canonical decoded form"). Integers: number when safe, else bigint. */
import type { KindName, StateName, TypeName } from "./constants.js";

export interface HistogramValue {
  /** Observations in all buckets. */
  readonly count: number | bigint;
  readonly sum: number;
  /** Cumulative counts; the last bucket's `le` is Infinity. */
  readonly buckets: readonly { readonly le: number; readonly count: number | bigint }[];
}

/** null: a multi-word value without a consistent copy (its sequence stayed odd or kept changing). */
export type ValueV2 = number | bigint | string | HistogramValue | null;

export interface FieldV2 {
  readonly label: string;
  readonly kind: KindName;
  readonly type: TypeName;
  readonly unit: string;
  readonly help: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly value: ValueV2;
}

export interface ContentsV2 {
  readonly formatVersion: 2;
  readonly minor: number;
  readonly state: StateName;
  readonly pid: number | bigint;
  readonly startTicks: number | bigint;
  readonly createdUnixNs: number | bigint;
  readonly heartbeatUnixNs: number | bigint;
  readonly heartbeatIntervalMs: number;
  readonly overflowCount: number;
  readonly fields: readonly FieldV2[];
}
