/*
 * The bzImage checks and loader (hv/linux_boot.c).
 *
 * Input: a bzImage file, loaded into 16 MiB of guest memory with an 8 KiB
 * initrd, a command line and the ACPI tables' page reserved, as
 * hv/linux_guest.c does. A refused kernel must come with a reason and
 * leave guest memory as it was (checked where a load writes: the low
 * 2 MiB with the zero page, the command line and a kernel at 1 MiB, and
 * the top 64 KiB where the initrd goes). A loaded one must lie in guest
 * memory above 1 MiB with its protected-mode code copied to the entry,
 * the initrd page aligned below initrd_addr_max and clear of the kernel
 * and the reserved page, and a zero page whose loader fields and e820
 * map (sorted, disjoint, inside guest memory, the reserved page typed
 * ACPI) say so.
 */
#include "fuzz_guest.h"

#include <tessera/acpi_build.h>
#include <tessera/linux_boot.h>

#define GUEST_SIZE (16 * MiB)
#define CMDLINE "console=ttyS0 root=/dev/ram0 fuzz"
#define INITRD_SIZE 8192u

static struct guest g;
static u8 initrd[INITRD_SIZE];

static u64 file_rd(const u8 *k, size_t ksize, size_t off, unsigned n)
{
	u64 v = 0;

	if (off + n <= ksize)
		memcpy(&v, k + off, n);
	return v;
}

static void check_zero_page(const struct linux_boot *b)
{
	const u8 *bp = g.gm + b->boot_params;
	unsigned n = bp[0x1e8];
	u64 prev_end = 0;
	bool acpi = false;

	FUZZ_CHECK(n >= 1 && n <= LINUX_E820_MAX);
	for (unsigned i = 0; i < n; i++) {
		struct linux_e820_entry e;

		memcpy(&e, bp + 0x2d0 + i * sizeof(e), sizeof(e));
		FUZZ_CHECK(e.size > 0 && e.addr >= prev_end && e.addr + e.size <= g.size);
		FUZZ_CHECK(e.addr + e.size <= MB_HOLE_START || e.addr >= MB_HOLE_END);
		if (e.addr == GUEST_ACPI_TABLES_GPA)
			acpi = e.type == LINUX_E820_ACPI && e.size == PAGE_SIZE;
		prev_end = e.addr + e.size;
	}
	FUZZ_CHECK(acpi);
	FUZZ_CHECK(guest_rd32(&g, b->boot_params + 0x228) == LINUX_CMDLINE); /* cmd_line_ptr */
	FUZZ_CHECK(guest_rd32(&g, b->boot_params + 0x214) == b->entry32);    /* code32_start */
	FUZZ_CHECK(guest_rd32(&g, b->boot_params + 0x218) == b->initrd_lo);  /* ramdisk_image */
	FUZZ_CHECK(guest_rd32(&g, b->boot_params + 0x21c) == INITRD_SIZE);   /* ramdisk_size */
	FUZZ_CHECK(strcmp(guest_str(&g, LINUX_CMDLINE), CMDLINE) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *kernel = malloc(size ? size : 1);
	struct linux_boot_src src = { 0 };
	struct linux_boot b;
	u64 setup, pm, initrd_max;
	char err[200];

	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (u8)(i * 5 + 1);
	memcpy(kernel, data, size);
	guest_init(&g, GUEST_SIZE);
	guest_refill(&g, GUEST_SIZE);

	src.kernel = kernel;
	src.kernel_size = size;
	src.initrd = initrd;
	src.initrd_size = sizeof(initrd);
	src.cmdline = CMDLINE;
	src.reserved[0] = (struct linux_e820_entry){ GUEST_ACPI_TABLES_GPA, PAGE_SIZE,
						     LINUX_E820_ACPI };
	src.nreserved = 1;
	src.acpi_rsdp = GUEST_ACPI_TABLES_GPA;

	err[0] = '\0';
	if (!linux_load(g.gm, g.size, &src, &b, err, sizeof(err))) {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		FUZZ_CHECK(guest_untouched(&g, 0, 2 * MiB));
		FUZZ_CHECK(guest_untouched(&g, g.size - 64 * KiB, g.size));
		free(kernel);
		return 0;
	}
	g.dirty = true;

	FUZZ_CHECK(b.boot_params == LINUX_ZERO_PAGE);
	FUZZ_CHECK(b.kernel_lo >= MB_HOLE_END && b.kernel_lo <= b.entry32);
	FUZZ_CHECK(b.entry32 < b.kernel_hi && b.kernel_hi <= g.size);
	FUZZ_CHECK(b.protocol == file_rd(kernel, size, 0x206, 2) && b.protocol >= 0x0206);
	/* boot.rst: setup_sects (0 means 4) + the boot sector; syssize in
	 * paragraphs, 0 meaning the rest of the file. */
	setup = ((kernel[0x1f1] ? kernel[0x1f1] : 4) + 1) * 512ull;
	FUZZ_CHECK(setup < size);
	pm = file_rd(kernel, size, 0x1f4, 4) * 16;
	pm = pm ? MIN(pm, size - setup) : size - setup;
	FUZZ_CHECK(pm <= b.kernel_hi - b.entry32);
	FUZZ_CHECK(memcmp(g.gm + b.entry32, kernel + setup, (size_t)pm) == 0);

	initrd_max = file_rd(kernel, size, 0x22c, 4);
	FUZZ_CHECK(b.initrd_lo % PAGE_SIZE == 0 && b.initrd_hi - b.initrd_lo == INITRD_SIZE);
	FUZZ_CHECK(b.initrd_lo >= MB_HOLE_END && b.initrd_hi <= g.size);
	FUZZ_CHECK(b.initrd_hi - 1 <= initrd_max);
	FUZZ_CHECK(b.initrd_hi <= b.kernel_lo || b.initrd_lo >= b.kernel_hi);
	FUZZ_CHECK(b.initrd_hi <= GUEST_ACPI_TABLES_GPA || b.initrd_lo >= MB_HOLE_END);
	FUZZ_CHECK(memcmp(g.gm + b.initrd_lo, initrd, INITRD_SIZE) == 0);
	check_zero_page(&b);
	free(kernel);
	return 0;
}
