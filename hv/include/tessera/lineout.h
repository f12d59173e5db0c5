/*
 * Turning a partition's byte stream into whole console lines with a
 * "[name] " prefix, so output from several partitions interleaves by line,
 * never mid-line. Carriage returns are dropped, tabs kept, other control
 * bytes shown as '?'; a line longer than LINEOUT_MAX is emitted in pieces.
 * Portable, host-tested.
 */
#ifndef TESSERA_LINEOUT_H
#define TESSERA_LINEOUT_H

#include <tessera/types.h>

#define LINEOUT_MAX 200

/* Gets one complete line (no newline, NUL-terminated) to print. */
typedef void (*lineout_emit_fn)(void *ctx, const char *prefix, const char *line);

struct lineout {
	char prefix[40]; /* "[name] " */
	char buf[LINEOUT_MAX + 1];
	unsigned len;
	lineout_emit_fn emit;
	void *ctx;
};

void lineout_init(struct lineout *l, const char *name, lineout_emit_fn emit, void *ctx);
void lineout_byte(struct lineout *l, u8 byte);
/* Emit a partial line now (e.g. when the partition stops). */
void lineout_flush(struct lineout *l);

#endif
