/*
 * The Multiboot2 loader (hv/multiboot2.c, with hv/mb_load.c).
 *
 * Input: a kernel file (an ELF, or a flat image with an address tag, with
 * a Multiboot2 header and its tags), loaded into 2 MiB of guest memory
 * with one module, a command line and an ACPI 2.0 RSDP that lies in guest
 * memory itself, at the tables' page, as hv/partition.c passes it.
 * multiboot2_detect must agree with the load about whether there is a
 * header at all. A refused kernel must come with a reason and leave guest
 * memory as it was. A loaded one must lie above 1 MiB and inside guest
 * memory with its entry point in it; the boot information at EBX must be
 * 8-byte aligned, a list of 8-byte aligned tags inside the info area that
 * ends with the end tag at total_size, with the command line, the module
 * where it was copied and the RSDP as it was before the load.
 */
#include "fuzz_guest.h"

#include <tessera/acpi.h>
#include <tessera/acpi_build.h>
#include <tessera/multiboot2.h>

#define GUEST_SIZE (2 * MiB)
#define CMDLINE "console=ttyS0 fuzz"

static struct guest g;
static u8 module[3000];
static struct acpi_rsdp rsdp;

static void rsdp_make(struct acpi_rsdp *r)
{
	u8 *b = (u8 *)r, sum = 0;

	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "TESSRA", 6);
	r->revision = 2;
	r->rsdt_address = (u32)GUEST_ACPI_TABLES_GPA + 0x40;
	r->length = sizeof(*r);
	r->xsdt_address = GUEST_ACPI_TABLES_GPA + 0x80;
	for (unsigned i = 0; i < 20; i++)
		sum += b[i];
	r->checksum = (u8)-sum;
	sum = 0;
	for (unsigned i = 0; i < sizeof(*r); i++)
		sum += b[i];
	r->extended_checksum = (u8)-sum;
}

static void check_info(const struct mb_boot *b, const struct mb_module_src *mod)
{
	u32 total = guest_rd32(&g, b->mbi);
	u64 at = b->mbi + 8, end = b->mbi + total;
	bool cmdline = false, module_seen = false, acpi = false, done = false;

	FUZZ_CHECK(b->mbi == MB_INFO_BASE && b->mbi % 8 == 0);
	FUZZ_CHECK(total >= 16 && end <= MB_INFO_END);
	while (!done) {
		u32 type, tsize;

		FUZZ_CHECK(at % 8 == 0 && at + 8 <= end);
		type = guest_rd32(&g, at);
		tsize = guest_rd32(&g, at + 4);
		FUZZ_CHECK(tsize >= 8 && tsize <= end - at);
		switch (type) {
		case 0:
			FUZZ_CHECK(tsize == 8 && at + 8 == end);
			done = true;
			break;
		case 1:
			FUZZ_CHECK(strcmp(guest_str(&g, at + 8), CMDLINE) == 0);
			cmdline = true;
			break;
		case 3: {
			u32 start = guest_rd32(&g, at + 8), stop = guest_rd32(&g, at + 12);

			FUZZ_CHECK(start % PAGE_SIZE == 0 && stop - start == mod->size);
			FUZZ_CHECK(start >= b->kernel_hi && stop <= b->modules_hi);
			FUZZ_CHECK(memcmp(g.gm + start, mod->data, mod->size) == 0);
			FUZZ_CHECK(strcmp(guest_str(&g, at + 16), mod->string) == 0);
			module_seen = true;
			break;
		}
		case 15:
			FUZZ_CHECK(tsize == 8 + sizeof(rsdp));
			FUZZ_CHECK(memcmp(g.gm + at + 8, &rsdp, sizeof(rsdp)) == 0);
			acpi = true;
			break;
		}
		at += ALIGN_UP(tsize, 8);
	}
	FUZZ_CHECK(cmdline && module_seen && acpi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *kernel = malloc(size ? size : 1);
	struct mb_module_src mod = { module, sizeof(module), "\\tessera\\fuzz.mod" };
	struct mb_boot b;
	char err[160];
	bool detected, ok;

	for (size_t i = 0; i < sizeof(module); i++)
		module[i] = (u8)(i * 7 + 3);
	rsdp_make(&rsdp);
	memcpy(kernel, data, size);
	guest_init(&g, GUEST_SIZE);
	guest_refill(&g, GUEST_SIZE);
	memcpy(g.gm + GUEST_ACPI_TABLES_GPA, &rsdp, sizeof(rsdp));

	detected = multiboot2_detect(kernel, size);
	err[0] = '\0';
	ok = multiboot2_load(g.gm, g.size, kernel, size, CMDLINE, &mod, 1,
			     g.gm + GUEST_ACPI_TABLES_GPA, sizeof(rsdp), &b, err, sizeof(err));
	FUZZ_CHECK(!ok || detected);
	if (!ok) {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		FUZZ_CHECK(guest_untouched(&g, 0, GUEST_ACPI_TABLES_GPA));
		FUZZ_CHECK(memcmp(g.gm + GUEST_ACPI_TABLES_GPA, &rsdp, sizeof(rsdp)) == 0);
		FUZZ_CHECK(guest_untouched(&g, GUEST_ACPI_TABLES_GPA + sizeof(rsdp), g.size));
		free(kernel);
		return 0;
	}
	g.dirty = true;
	FUZZ_CHECK(b.kernel_lo >= MB_HOLE_END && b.kernel_lo < b.kernel_hi);
	FUZZ_CHECK(b.kernel_hi <= b.modules_hi && b.modules_hi <= g.size);
	FUZZ_CHECK(b.entry >= b.kernel_lo && b.entry < b.kernel_hi);
	check_info(&b, &mod);
	free(kernel);
	return 0;
}
