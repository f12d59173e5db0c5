/*
 * A partition's guest output: every byte its guest writes, through the
 * virtual UART or with HC_CONSOLE_WRITE from any vCPU, goes through one
 * struct gout, under its one lock. Portable, host-tested (also with
 * several writer threads under ThreadSanitizer).
 *
 * Each source (the UART, and each vCPU's hypercalls) has its own line
 * buffer, so that lines from different sources never mix inside a line.
 * A line goes into the scrollback, and to the console as one "[name] ..."
 * line, only when it is complete: at its newline, at GOUT_LINE_MAX bytes
 * (the rest comes as the next line), or when the partition stops.
 *
 * While the console is attached it shows the partition as a terminal
 * would, raw. The UART's bytes go out as they come (echo, prompts). A
 * complete line from another source while the UART's line is unfinished
 * erases that unfinished line from the screen ("\r", ESC [K), prints the
 * other line and draws the unfinished one again after it, as a line
 * editor does around asynchronous output. So a terminal shows whole lines
 * whatever the sources do.
 */
#ifndef TESSERA_GUEST_OUT_H
#define TESSERA_GUEST_OUT_H

#include <tessera/types.h>
#include <tessera/hypercall.h>
#include <tessera/lineout.h>
#include <tessera/ring.h>
#include <tessera/spinlock.h>

#define GOUT_UART 0                  /* the virtual UART */
#define GOUT_HC(vcpu) (1u + (vcpu)) /* HC_CONSOLE_WRITE of vCPU vcpu */
#define GOUT_SOURCES (1 + HC_MAX_VCPUS)
#define GOUT_LINE_MAX LINEOUT_MAX
/* Carriage return, then ECMA-48 EL (erase in line): the cursor's line is blank. */
#define ERASE_LINE "\r\x1b[K"

/* Where the output goes. All three are called with the gout's lock held. */
struct gout_sink {
	/* A complete line, made printable, for the console (not attached). */
	void (*line)(void *ctx, const char *prefix, const char *line);
	/* Raw bytes for the console attached to this partition. */
	void (*raw)(void *ctx, const void *data, size_t n);
	/* The console attaches (or detaches): output changes form, lines to
	 * raw (or back), so what is queued in the old form and not shown yet
	 * is forgotten (the scrollback has it). Called at the very moment of
	 * the change, so no byte of one form follows the other. */
	void (*attach)(void *ctx, bool attached);
	void *ctx;
};

struct gout_src {
	u8 buf[GOUT_LINE_MAX];
	unsigned len;
};

struct gout {
	spinlock_t lock;
	struct ring scrollback;   /* whole lines, oldest overwritten */
	struct lineout fmt;       /* makes a complete line printable, adds "[name] " */
	struct gout_src src[GOUT_SOURCES];
	bool attached;
	struct gout_sink sink;
};

void gout_init(struct gout *g, const char *name, void *scrollback, size_t size,
	       const struct gout_sink *sink);
/* Bytes from one source (GOUT_UART, GOUT_HC(i)); sources out of range
 * are ignored. */
void gout_write(struct gout *g, unsigned source, const void *data, size_t n);
/* End every unfinished line (the partition stopped or starts again). */
void gout_end_lines(struct gout *g);
/* The console attaches: copy out the newest whole lines of the scrollback
 * that fit in max bytes, then the UART's unfinished line; from now on
 * output goes raw to sink.raw. Returns the bytes copied. */
size_t gout_attach(struct gout *g, char *out, size_t max);
void gout_detach(struct gout *g);

#endif
