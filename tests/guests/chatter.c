/*
 * chatter: two vCPUs write numbered lines at full speed, vCPU 0 through
 * its UART (one VM exit per byte), vCPU 1 with HC_CONSOLE_WRITE, each of
 * its lines in two hypercalls cut in the middle. Every line the console
 * and the scrollback show must be whole: the lifecycle test attaches and
 * detaches while this runs, and stops, starts, pauses and resumes it.
 *
 * Prints, forever, lines of the form
 *   chatter: uart N xxxx...x end      (vCPU 0)
 *   chatter: hc N yyyy...y end        (vCPU 1; 5 to 44 fill characters)
 * after "chatter: 2 cpus" (or "chatter: 1 cpu", then only uart lines).
 */
#include "guest.h"

static char *fill(char *p, char c, u32 n)
{
	for (u32 i = 0; i < n; i++)
		*p++ = c;
	return p;
}

/* "chatter: hc N yyy end\n" into buf; its length. */
static u32 hc_line(char *buf, u32 n)
{
	static const char head[] = "chatter: hc ";
	char digits[12], *p = buf;
	u32 k = 0;

	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	do
		digits[k++] = (char)('0' + n % 10);
	while (n /= 10);
	while (k)
		*p++ = digits[--k];
	*p++ = ' ';
	p = fill(p, 'y', 5 + (u32)(p - buf) % 40);
	memcpy(p, " end\n", 5);
	return (u32)(p + 5 - buf);
}

static void ap_main(u32 slot)
{
	char line[96];

	(void)slot;
	for (u32 n = 0;; n++) {
		u32 len = hc_line(line, n), half = len / 2;

		hc_console_write(line, half);
		hc_console_write(line + half, len - half);
	}
}

void guest_main(u32 magic, u32 mbi)
{
	struct guest_info gi;
	u32 others[HC_MAX_VCPUS], n = 0;
	char xs[48];

	guest_info(&gi, magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL);
	apic_enable();
	for (u32 i = 0; i < gi.ncpus && n < 1; i++)
		if (i != gi.vcpu)
			others[n++] = gi.apic_id[i];
	printf("chatter: %u cpu%s\n", n + 1, n ? "s" : "");
	if (n && gi.hv)
		ap_start(others, n, ap_main);
	for (u32 i = 0;; i++) {
		u32 k = 5 + i % 40;

		*fill(xs, 'x', k) = 0;
		printf("chatter: uart %u %s end\n", i, xs);
	}
}
