/** How a path is shown: escaped in human-readable lines, as valid UTF-8 in JSON. */
import { decodeReplacing, firstIllFormed } from "./utf8.js";

function hex2(n: number): string {
  return `\\x${n.toString(16).padStart(2, "0")}`;
}

function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => hex2(c.charCodeAt(0)));
}

/** Control characters become `\xNN` (so a path cannot forge a line); so do bytes that are not UTF-8. */
export function displayPath(path: string | Buffer): string {
  if (typeof path === "string") return escapeControls(path);
  let out = "";
  let i = 0;
  for (;;) {
    const bad = firstIllFormed(path, i);
    out += escapeControls(decodeReplacing(path.subarray(i, bad < 0 ? path.length : bad)));
    if (bad < 0) return out;
    out += hex2(path[bad]!);
    i = bad + 1;
  }
}

/** The path for the canonical JSON: bytes that are not UTF-8 become U+FFFD. */
export function jsonPath(path: string | Buffer): string {
  return typeof path === "string" ? path : decodeReplacing(path);
}
