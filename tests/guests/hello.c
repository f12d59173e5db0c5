/*
 * hello: the basic partition guest. Tells what the hypervisor and the
 * loader said, then ticks forever so a test can see it keeps running
 * (e.g. while a neighbour crashes).
 *
 * Prints:
 *   hello: name=NAME cpus=N memory=M MiB       (HC_PARTITION_INFO)
 *   hello: abi MAJOR.MINOR via hc_console_write  (HC_VERSION, HC_CONSOLE_WRITE)
 *   hello: mbi mem_upper=X KiB cmdline='...'     (multiboot info)
 *   HELLO-OK
 *   hello: tick 1, hello: tick 2, ...            (every 2^24 loop rounds)
 * Without a hypervisor the first two lines are "hello: no hypervisor".
 */
#include "guest.h"

/* The neighbour signature isolation.c looks for in its own memory: if it
 * ever finds it, memory of this partition leaked into that one. Built at
 * run time so the whole string is nowhere in this file or binary; volatile
 * so the compiler keeps the stores. */
volatile char hello_neighbour_secret[64];

static void plant_secret(void)
{
	static const char part1[] = "TESSERA", part2[] = "-NEIGHBOUR-SECRET";
	unsigned n = 0;
	for (unsigned i = 0; part1[i]; i++)
		hello_neighbour_secret[n++] = part1[i];
	for (unsigned i = 0; part2[i]; i++)
		hello_neighbour_secret[n++] = part2[i];
	hello_neighbour_secret[n] = '\0';
}

static void say_abi(void)
{
	int32_t v = hc_version();
	char line[48] = "hello: abi ";
	unsigned n = 11;
	/* Format by hand: this line goes out through the hypercall. */
	u32 parts[2] = { (u32)v >> 16, (u32)v & 0xFFFF };
	for (int p = 0; p < 2; p++) {
		char digits[6];
		unsigned d = 0;
		u32 x = parts[p];
		do
			digits[d++] = (char)('0' + x % 10);
		while ((x /= 10) && d < sizeof(digits));
		while (d)
			line[n++] = digits[--d];
		if (p == 0)
			line[n++] = '.';
	}
	static const char tail[] = " via hc_console_write\n";
	for (unsigned i = 0; tail[i]; i++)
		line[n++] = tail[i];
	int32_t r = hc_console_write(line, n);
	if (r != (int32_t)n)
		printf("hello: hc_console_write returned %d, want %u\n", (int)r, n);
}

void guest_main(u32 magic, u32 mbi)
{
	struct guest_info gi;
	const struct mb_info *mb = magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL;

	plant_secret();
	if (!mb)
		printf("hello: bad magic 0x%08x\n", magic);
	guest_info(&gi, mb);
	if (gi.hv) {
		printf("hello: name=%s cpus=%u memory=%u MiB\n", gi.name, gi.ncpus,
		       (u32)(gi.memory >> 20));
		say_abi();
	} else {
		printf("hello: no hypervisor\n");
	}
	if (mb)
		printf("hello: mbi mem_upper=%u KiB cmdline='%s'\n",
		       (mb->flags & MBI_MEM) ? mb->mem_upper : 0, mb_cmdline(mb));
	printf("HELLO-OK\n");

	for (u32 tick = 1;; tick++) {
		for (u32 i = 0; i < (1u << 24); i++)
			__asm__ volatile("" ::: "memory"); /* keep the loop */
		printf("hello: tick %u\n", tick);
	}
}
