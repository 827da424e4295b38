/** Version 1 constants (spec/v1.md, "Overview"). */
export const FORMAT_VERSION = 1;
export const PAGE_SIZE = 4096;
export const UNBUFFERED = 0xff;
export const BUFFER_COUNT = 2;
