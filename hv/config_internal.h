/*
 * Private to the tessera.cfg code: what hv/config.c (the line parser) and
 * hv/config_check.c (machine cross-checks and the value parsers) share.
 * Not public API: everyone else uses tessera/config.h.
 */
#ifndef TESSERA_CONFIG_INTERNAL_H
#define TESSERA_CONFIG_INTERNAL_H

#include <tessera/config.h>
#include <tessera/diag.h>
#include <tessera/string.h>

/* "[partition NAME]" into buf. */
void cfg_part_label(const struct cfg_partition *part, char *buf, size_t size);

/*
 * Every message goes through here: "FILE:LINE: " then "LABEL: " if any,
 * then the text. The first error about a partition also becomes its
 * why_invalid, so whoever skips it can say why.
 */
void cfg_vreport(struct diag *d, const char *file, unsigned line, const char *label,
		 struct cfg_partition *part, const char *fmt, va_list ap);

/* "1-3, 5" into a mask; on failure why[size] says what is wrong. */
bool cfg_cpuset_parse(const char *s, u64 *mask, char *why, size_t size);

enum size_err { SIZE_OK, SIZE_JUNK, SIZE_ZERO, SIZE_BIG };

/* "64M", "0x100000", "1 GiB" into bytes. */
enum size_err cfg_size_parse(const char *s, u64 *bytes);

static inline const char *skip_space(const char *s)
{
	while (char_is_space((unsigned char)*s))
		s++;
	return s;
}

/* Trim s in place; returns the first non-space character. */
static inline char *trim(char *s)
{
	size_t n;

	s = (char *)skip_space(s);
	n = strlen(s);
	while (n && char_is_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

#endif
