/*
 * Linux partitions: loading (boot protocol + firmware tables)
 * (tessera/linux_guest.h, docs/linux-guests.md). The devices they get
 * are in hv/platform.c.
 */
#include <tessera/acpi_build.h>
#include <tessera/linux_boot.h>
#include <tessera/format.h>
#include <tessera/linux_guest.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/platform.h>
#include <tessera/string.h>

bool linux_guest_load(struct partition *p, const void *kernel, size_t ksize,
		      const void *initrd, size_t isize, char *err, size_t errlen)
{
	struct linux_boot_src src;
	struct linux_boot lb;
	u8 *gm = hpa_to_ptr(p->mem);
	gpa_t rsdp;

	memset(&src, 0, sizeof(src));
	src.kernel = kernel;
	src.kernel_size = ksize;
	src.initrd = initrd;
	src.initrd_size = isize;
	src.cmdline = p->cfg->cmdline;
	src.reserved[0] = (struct linux_e820_entry){ GUEST_ACPI_TABLES_GPA,
						     GUEST_ACPI_TABLES_SIZE, LINUX_E820_ACPI };
	src.nreserved = 1;
	src.acpi_rsdp = GUEST_ACPI_TABLES_GPA;
	if (!linux_load(gm, p->mem_size, &src, &lb, err, errlen))
		return false;
	/* After linux_load(), which zeroes the partition's memory first. */
	if (!platform_build_tables(p, &rsdp, err, errlen))
		return false;
	p->vcpus[0].boot = (struct vcpu_boot){
		.mode = VCPU_BOOT_LINUX32,
		.rip = lb.entry32,
		.esi = lb.boot_params,
	};
	log_printf("tessera: partition %s: Linux boot protocol %u.%02u, kernel at 0x%llx, "
		   "initrd %llu KiB\n",
		   p->name, lb.protocol >> 8, lb.protocol & 0xff,
		   (unsigned long long)lb.kernel_lo,
		   (unsigned long long)((lb.initrd_hi - lb.initrd_lo) / KiB));
	return true;
}
