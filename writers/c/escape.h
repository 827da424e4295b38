/* escape.h -- text that is safe to print on a terminal: what the writer's command puts in its
 * error lines (file names and scenario text are arbitrary bytes). */
#ifndef MMSTATS_ESCAPE_H
#define MMSTATS_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Copy the NUL-terminated text into out (out_size > 0) with C0 controls, DEL, C1 controls
 * (U+0080..U+009F) and the bytes of ill-formed UTF-8 written as \xNN and a backslash as \\.
 * The result is always NUL-terminated; an escape is never cut in half. Returns the length
 * the whole escaped text needs (without the NUL), as snprintf does. */
size_t mmstats_escape(const char *text, char *out, size_t out_size);

/* Write the escaped text to fp. */
void mmstats_print_escaped(FILE *fp, const char *text);

#endif /* MMSTATS_ESCAPE_H */
