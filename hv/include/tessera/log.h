/*
 * The hypervisor's log: printf-style lines to the physical serial console.
 *
 * Each call formats into a local buffer and writes it under one lock, so
 * lines from different CPUs never interleave mid-line.
 */
#ifndef TESSERA_LOG_H
#define TESSERA_LOG_H

#include <tessera/types.h>

typedef void (*log_sink_fn)(const char *s, size_t n);

void log_set_sink(log_sink_fn sink);
/* Copy out the newest max bytes of the log; returns the count. */
size_t log_tail(char *out, size_t max);
void log_printf(const char *fmt, ...) __printf(1, 2);
void log_vprintf(const char *fmt, va_list ap);

/* For the fatal paths: take the lock if it can be had within a bounded
 * spin, else write anyway (the holder may be the CPU that just faulted). */
void log_emergency(const char *fmt, ...) __printf(1, 2);

#endif
