/*
 * The Multiboot v1 loader (hv/multiboot.c, with hv/mb_load.c).
 *
 * Input: a kernel file (an ELF with a multiboot header, or a flat image
 * using the header's address fields), loaded into 2 MiB of guest memory
 * with one module and a command line, as a partition's kernel is.
 * A refused kernel must come with a reason and leave guest memory as it
 * was. A loaded one must lie above 1 MiB and inside guest memory with
 * its entry point in it, and the info structure at EBX must say what was
 * given: the command line, the module where it was copied, the loader's
 * name, a memory map inside the info area.
 */
#include "fuzz_guest.h"

#include <tessera/multiboot.h>

#define GUEST_SIZE (2 * MiB)
#define CMDLINE "console=ttyS0 fuzz"

static struct guest g;
static u8 module[3000];

static void check_info(const struct mb_boot *b, const struct mb_module_src *mod)
{
	u32 flags, mods, mod_start, mod_end, mmap_len, mmap_addr;

	FUZZ_CHECK(b->mbi == MB_INFO_BASE);
	flags = guest_rd32(&g, b->mbi);
	FUZZ_CHECK((flags & 0x24d) == 0x24d); /* memory, cmdline, mods, mmap, name */
	FUZZ_CHECK(strcmp(guest_str(&g, guest_rd32(&g, b->mbi + 16)), CMDLINE) == 0);
	FUZZ_CHECK(guest_rd32(&g, b->mbi + 20) == 1);
	mods = guest_rd32(&g, b->mbi + 24);
	FUZZ_CHECK(mods >= MB_INFO_BASE && mods + 16 <= MB_INFO_END);
	mod_start = guest_rd32(&g, mods);
	mod_end = guest_rd32(&g, mods + 4);
	FUZZ_CHECK(mod_start % PAGE_SIZE == 0 && mod_end - mod_start == mod->size);
	FUZZ_CHECK(mod_start >= b->kernel_hi && mod_end <= b->modules_hi);
	FUZZ_CHECK(memcmp(g.gm + mod_start, mod->data, mod->size) == 0);
	FUZZ_CHECK(strcmp(guest_str(&g, guest_rd32(&g, mods + 8)), mod->string) == 0);
	mmap_len = guest_rd32(&g, b->mbi + 44);
	mmap_addr = guest_rd32(&g, b->mbi + 48);
	FUZZ_CHECK(mmap_addr >= MB_INFO_BASE && mmap_addr + mmap_len <= MB_INFO_END);
	FUZZ_CHECK(strcmp(guest_str(&g, guest_rd32(&g, b->mbi + 64)), "Tessera") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *kernel = malloc(size ? size : 1);
	struct mb_module_src mod = { module, sizeof(module), "\\tessera\\fuzz.mod" };
	struct mb_boot b;
	char err[160];

	for (size_t i = 0; i < sizeof(module); i++)
		module[i] = (u8)(i * 7 + 3);
	memcpy(kernel, data, size);
	guest_init(&g, GUEST_SIZE);
	guest_refill(&g, GUEST_SIZE);

	err[0] = '\0';
	if (!multiboot_load(g.gm, g.size, kernel, size, CMDLINE, &mod, 1, &b, err, sizeof(err))) {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		FUZZ_CHECK(guest_untouched(&g, 0, g.size));
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
