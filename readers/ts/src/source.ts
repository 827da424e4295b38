/** The bytes a version module decodes values from. */
export interface ByteSource {
  /** A copy of the file from offset 0 (at least up to the end of the records). */
  readonly image: Uint8Array;
  /** Reads `length` bytes at `offset` again from the file (absent for an in-memory buffer). */
  readonly reread?: (offset: number, length: number) => Uint8Array;
}
