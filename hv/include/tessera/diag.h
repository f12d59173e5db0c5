/*
 * Diagnostics: a bounded list of messages that a parser or checker
 * produces and its caller prints. Portable code never prints directly, so
 * the same parser reports through the hypervisor's log, the loader's
 * console and the host tool's stderr.
 */
#ifndef TESSERA_DIAG_H
#define TESSERA_DIAG_H

#include <tessera/types.h>

#define DIAG_MAX 32
#define DIAG_MSG_LEN 200

struct diag {
	unsigned count;   /* messages held, at most DIAG_MAX */
	unsigned dropped; /* messages that did not fit */
	unsigned errors;  /* diag_error() calls, held or dropped */
	char msg[DIAG_MAX][DIAG_MSG_LEN];
};

void diag_init(struct diag *d);
/* An error: also counted in d->errors. */
void diag_error(struct diag *d, const char *fmt, ...) __printf(2, 3);
/* A warning or note: held but not counted as an error. */
void diag_note(struct diag *d, const char *fmt, ...) __printf(2, 3);

#endif
