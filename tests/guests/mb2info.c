/*
 * mb2info: a Multiboot2 kernel (Multiboot2 spec 2.0): besides the v1
 * header every test guest has (lib/start.S), it carries a v2 header, so
 * Tessera boots it as Multiboot2 (v2 wins). It walks the boot information
 * tags and follows the ACPI RSDP tag to the XSDT and the MADT, checking
 * their checksums, as an OS's early boot does.
 *
 * Prints:
 *   mb2: booted by multiboot2, info N bytes
 *   mb2: cmdline 'TEXT'
 *   mb2: module I 'STRING' S bytes, starts 'XXXX'   (per module, I from 1)
 *   mb2: mmap N entries, RAM K KiB, ACPI M KiB
 *   mb2: rsdp rev R oem 'OEMID' xsdt 0xADDR        (tag 15; tag 14: rsdt 0xADDR)
 *   mb2: madt at 0xADDR: C cpus, apic ids a,b
 *   mb2: checksums ok                             (or "checksums BAD")
 *   MB2-DONE
 * Without an RSDP tag "mb2: no rsdp" replaces the ACPI lines; without a
 * MADT, "mb2: no madt" replaces the madt and checksums lines.
 * Booted as Multiboot v1 (plain QEMU's -kernel): "mb2: booted by
 * multiboot v1", then MB2-DONE.
 */
#include "guest.h"

#define MB2_BOOT_MAGIC 0x36d76289u

/* Spec 3.1.1: the header, 8-byte aligned in the first 32 KiB; the four
 * fields sum to 0. Then tags (3.1.3), each 8-byte aligned: an optional
 * information request (type 1, flags bit 0 = optional) for cmdline (1),
 * modules (3), mmap (6) and the new RSDP (15), and the end tag. */
__asm__(".section .multiboot, \"a\"\n"
	".balign 8\n"
	"mb2_header:\n"
	".long 0xe85250d6\n"
	".long 0\n"
	".long mb2_header_end - mb2_header\n"
	".long -(0xe85250d6 + (mb2_header_end - mb2_header))\n"
	".balign 8\n"
	".short 1, 1\n"
	".long 24\n"
	".long 1, 3, 6, 15\n"
	".balign 8\n"
	".short 0, 0\n"
	".long 8\n"
	"mb2_header_end:\n"
	".previous\n");

static u32 rd32(u32 a)
{
	return *(const volatile u32 *)a;
}

static bool sum_ok(u32 addr, u32 len)
{
	u8 s = 0;

	for (u32 i = 0; i < len; i++)
		s = (u8)(s + *(const u8 *)(addr + i));
	return s == 0;
}

/* The MADT through the XSDT or, from an ACPI 1.0 RSDP (tag 14), the RSDT
 * (ACPI 6.5 5.2.5.3, 5.2.7, 5.2.8, 5.2.12): CPUs are its type 0
 * (Processor Local APIC) and type 9 (Processor Local x2APIC) entries with
 * the enabled flag. The XSDT's 64-bit entries are read by their low half:
 * this guest's tables lie below 4 GiB. */
static void walk_acpi(u32 rsdp, bool v2)
{
	const u8 *r = (const u8 *)rsdp;
	char oem[7];
	u32 root = rd32(rsdp + (v2 ? 24 : 16)), esize = v2 ? 8 : 4, madt = 0, ncpu = 0;
	/* Revision 0 is 20 bytes with one checksum; 2+ adds Length and the
	 * extended checksum over all of it. */
	bool ok = sum_ok(rsdp, 20) && (!v2 || sum_ok(rsdp, rd32(rsdp + 20)));

	memcpy(oem, r + 9, 6);
	oem[6] = 0;
	printf("mb2: rsdp rev %u oem '%s' %s 0x%x\n", r[15], oem, v2 ? "xsdt" : "rsdt", root);
	if (rd32(root) == (v2 ? 0x54445358u : 0x54445352u)) { /* "XSDT" / "RSDT" */
		ok = ok && sum_ok(root, rd32(root + 4));
		for (u32 e = root + 36; e + esize <= root + rd32(root + 4); e += esize)
			if (rd32(rd32(e)) == 0x43495041u) /* "APIC" */
				madt = rd32(e);
	}
	if (!madt) {
		printf("mb2: no madt\n");
		return;
	}
	ok = ok && sum_ok(madt, rd32(madt + 4));
	printf("mb2: madt at 0x%x: ", madt);
	for (u32 s = 0; s < 2; s++) { /* count, then list */
		u32 n = 0;

		for (u32 e = madt + 44; e + 2 <= madt + rd32(madt + 4); e += *(const u8 *)(e + 1)) {
			u8 type = *(const u8 *)e;

			if (type == 0 && (rd32(e + 4) & 1)) {
				if (s)
					printf("%s%u", n ? "," : "", *(const u8 *)(e + 3));
				n++;
			} else if (type == 9 && (rd32(e + 8) & 1)) {
				if (s)
					printf("%s%u", n ? "," : "", rd32(e + 4));
				n++;
			}
			if (*(const u8 *)(e + 1) == 0)
				break;
		}
		if (!s) {
			ncpu = n;
			printf("%u cpus, apic ids ", ncpu);
		}
	}
	printf("\n");
	printf("mb2: checksums %s\n", ok ? "ok" : "BAD");
}

static void walk_tags(u32 mbi)
{
	u32 total = rd32(mbi), rsdp = 0, rsdp_tag = 0, nmod = 0;

	printf("mb2: booted by multiboot2, info %u bytes\n", total);
	for (u32 t = mbi + 8; t < mbi + total;) {
		u32 type = rd32(t), size = rd32(t + 4);

		if (type == 0 || size < 8)
			break;
		if (type == 1) {
			printf("mb2: cmdline '%s'\n", (const char *)(t + 8));
		} else if (type == 3) {
			u32 start = rd32(t + 8), end = rd32(t + 12);
			char head[5];

			for (u32 i = 0; i < 4; i++) {
				char c = start + i < end ? *(const char *)(start + i) : '.';

				head[i] = c >= 0x20 && c < 0x7f ? c : '.';
			}
			head[4] = 0;
			printf("mb2: module %u '%s' %u bytes, starts '%s'\n", ++nmod,
			       (const char *)(t + 16), end - start, head);
		} else if (type == 6) {
			u32 esize = rd32(t + 8), n = 0, ram = 0, acpi = 0;

			for (u32 e = t + 16; e + esize <= t + size; e += esize, n++) {
				u32 kib = (rd32(e + 8) >> 10) | (rd32(e + 12) << 22);

				if (rd32(e + 16) == 1)
					ram += kib;
				else if (rd32(e + 16) == 3)
					acpi += kib;
			}
			printf("mb2: mmap %u entries, RAM %u KiB, ACPI %u KiB\n", n, ram, acpi);
		} else if ((type == 14 || type == 15) && rsdp_tag != 15) {
			rsdp = t + 8; /* the new RSDP (15) wins over the old (14) */
			rsdp_tag = type;
		}
		t += (size + 7) & ~7u;
	}
	if (rsdp)
		walk_acpi(rsdp, rsdp_tag == 15);
	else
		printf("mb2: no rsdp\n");
}

void guest_main(u32 magic, u32 mbi)
{
	if (magic == MB2_BOOT_MAGIC)
		walk_tags(mbi);
	else if (magic == MB_BOOT_MAGIC)
		printf("mb2: booted by multiboot v1\n");
	else
		printf("mb2: unknown magic 0x%x\n", magic);
	printf("MB2-DONE\n");
}
