/*
 * Test memory below 4 GiB that ends at a guard page, for the ACPI tests
 * (test_acpi.c parses tables, test_acpi_build.c builds them). Below 4 GiB
 * (MAP_32BIT) so that an RSDT's 32-bit entries can point at it; ending
 * exactly at a PROT_NONE page so that reading or writing one byte past the
 * end faults. `slack` bytes between the block and the guard let a test
 * misalign a table on purpose. low_guarded_free_all() is a cmocka teardown.
 * Include after "unit.h", with _GNU_SOURCE defined before it.
 */
#ifndef TESSERA_LOW_GUARDED_H
#define TESSERA_LOW_GUARDED_H

#include <sys/mman.h>
#include <unistd.h>

struct low_block {
	void *base;
	size_t size;
};
static struct low_block low_blocks[256];
static unsigned low_nblocks;

static inline void *low_guarded(size_t n, size_t slack)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (n + slack + pg - 1) / pg * pg;
	unsigned char *base = mmap(NULL, data + pg, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	assert_true(base != MAP_FAILED);
	assert_true((uintptr_t)base + data + pg <= 0x100000000ull);
	assert_int_equal(mprotect(base + data, pg, PROT_NONE), 0);
	assert_true(low_nblocks < sizeof(low_blocks) / sizeof(low_blocks[0]));
	low_blocks[low_nblocks++] = (struct low_block){ base, data + pg };
	return base + data - slack - n;
}

static inline int low_guarded_free_all(void **state)
{
	(void)state;
	while (low_nblocks) {
		low_nblocks--;
		munmap(low_blocks[low_nblocks].base, low_blocks[low_nblocks].size);
	}
	return 0;
}

#endif
