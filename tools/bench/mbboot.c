/*
 * mbboot: the smallest Multiboot v1 loader that UEFI can start, so that
 * `make bench` can run a test guest (build/guests/compute.elf) bare on
 * the same machine and compare it with the same binary in a partition.
 *
 *   read \mbboot\kernel.elf from our own volume
 *   -> load its ELF32 PT_LOAD segments at their physical addresses
 *   -> a minimal multiboot info (cmdline "bare", loader name)
 *   -> ExitBootServices -> leave long mode -> kernel entry
 *      (EAX = 0x2BADB002, EBX = info; Multiboot spec 0.6.96, 3.2)
 *
 * Leaving IA-32e mode (SDM Vol. 3A 10.8.5.4 "Switching Out of IA-32e
 * Mode Operation"): the code doing it must run in compatibility mode
 * from an identity-mapped page, so a small position-independent blob is
 * copied to a page below 4 GiB (UEFI maps all memory 1:1, UEFI 2.10,
 * 2.3.4). It is the AP trampoline of arch/x86_64/trampoline.S run the
 * other way. Independent of boot/ on purpose: nothing of Tessera runs.
 */
#include <efi.h>
#include <efilib.h>

#define KERNEL_PATH L"\\mbboot\\kernel.elf"
#define MB_BOOT_MAGIC 0x2BADB002u
#define MBI_CMDLINE (1u << 2)
#define MBI_LOADER (1u << 9)
#define PT_LOAD 1
#define EBS_TRIES 8

/*
 * The trampoline, called as tramp(entry, mbi) (SysV: RDI, RSI) from a
 * copy at the start of a page below 4 GiB. Only RIP-relative addressing,
 * so it runs wherever it is copied. Clobbers everything; never returns.
 */
__asm__(
	"	.text\n"
	"	.balign 16\n"
	"	.globl mb_tramp, mb_tramp_end\n"
	"mb_tramp:\n"
	"	.code64\n"
	"	cli\n"
	/* A stack at the end of this page: below 4 GiB, so it stays valid
	 * (as ESP) after the switch. */
	"	lea mb_tramp+4096(%rip), %rsp\n"
	/* Our own GDT (this page): 0x08 32-bit flat code, 0x10 flat data. */
	"	lea mb_gdt(%rip), %rax\n"
	"	sub $16, %rsp\n"
	"	movw $(3 * 8 - 1), (%rsp)\n"
	"	mov %rax, 2(%rsp)\n"
	"	lgdt (%rsp)\n"
	/* Step 1: far return to the 32-bit code segment = compatibility mode. */
	"	lea mb_pm32(%rip), %rax\n"
	"	pushq $0x08\n"
	"	pushq %rax\n"
	"	lretq\n"
	"	.code32\n"
	"mb_pm32:\n"
	/* Step 2: clear CR0.PG; the CPU clears EFER.LMA. From here on
	 * linear = physical, which is why this page must be 1:1. */
	"	mov %cr0, %eax\n"
	"	and $0x7fffffff, %eax\n"
	"	mov %eax, %cr0\n"
	/* Step 4: clear EFER.LME (MSR 0xC0000080 bit 8). Now plain 32-bit
	 * protected mode without paging (step 3, legacy CR3, is skipped). */
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	and $~0x100, %eax\n"
	"	wrmsr\n"
	/* Flat data segments, then the multiboot hand-over. */
	"	mov $0x10, %eax\n"
	"	mov %eax, %ds\n"
	"	mov %eax, %es\n"
	"	mov %eax, %fs\n"
	"	mov %eax, %gs\n"
	"	mov %eax, %ss\n"
	"	mov %esi, %ebx\n"
	"	mov $0x2badb002, %eax\n"
	"	jmp *%edi\n"
	"	.balign 8\n"
	"mb_gdt:\n"
	"	.quad 0\n"
	"	.quad 0x00cf9a000000ffff\n" /* 32-bit code, base 0, 4 GiB */
	"	.quad 0x00cf92000000ffff\n" /* data, base 0, 4 GiB */
	"mb_tramp_end:\n"
	"	.code64\n");

extern const char mb_tramp[], mb_tramp_end[];
typedef void (*tramp_fn)(UINT32 entry, UINT32 mbi) __attribute__((sysv_abi, noreturn));

/* ELF32 (System V gABI, Figure 4-3 and 5-1), only the fields we read. */
struct elf32_ehdr {
	UINT8 ident[16];
	UINT16 type, machine;
	UINT32 version, entry, phoff, shoff, flags;
	UINT16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));
struct elf32_phdr {
	UINT32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __attribute__((packed));

static EFI_STATUS fail(const CHAR16 *what, EFI_STATUS st)
{
	Print(L"mbboot: %s: %r\n", what, st);
	return st;
}

static EFI_STATUS read_kernel(EFI_HANDLE image, UINT8 **buf, UINTN *len)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root, fh;
	EFI_FILE_INFO *info;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	root = LibOpenRoot(li->DeviceHandle); /* Simple File System, UEFI 13.4 */
	if (!root)
		return EFI_NOT_FOUND;
	st = root->Open(root, &fh, KERNEL_PATH, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info)
		return EFI_DEVICE_ERROR;
	*len = info->FileSize;
	FreePool(info);
	*buf = AllocatePool(*len);
	if (!*buf)
		return EFI_OUT_OF_RESOURCES;
	return fh->Read(fh, len, *buf);
}

/* Places the PT_LOAD segments at their physical addresses. The pages of
 * the whole span are allocated at that exact address (AllocateAddress):
 * if the firmware uses any of them, we fail rather than overwrite it. */
static EFI_STATUS load_elf(const UINT8 *elf, UINTN len, UINT32 *entry)
{
	const struct elf32_ehdr *eh = (const void *)elf;
	const struct elf32_phdr *ph;
	UINT64 lo = ~0ull, hi = 0;
	EFI_PHYSICAL_ADDRESS at;
	EFI_STATUS st;

	if (len < sizeof(*eh) || CompareMem(elf, "\177ELF\1\1", 6) || eh->machine != 3 ||
	    eh->phoff + (UINT64)eh->phnum * sizeof(*ph) > len)
		return EFI_UNSUPPORTED; /* not an ELF32 i386 little-endian file */
	ph = (const void *)(elf + eh->phoff);
	for (UINT16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		if ((UINT64)ph[i].offset + ph[i].filesz > len || ph[i].filesz > ph[i].memsz)
			return EFI_UNSUPPORTED;
		if (ph[i].paddr < lo)
			lo = ph[i].paddr;
		if ((UINT64)ph[i].paddr + ph[i].memsz > hi)
			hi = (UINT64)ph[i].paddr + ph[i].memsz;
	}
	if (hi == 0 || hi > 0x100000000ull)
		return EFI_UNSUPPORTED;
	lo &= ~0xfffull;
	at = lo;
	st = BS->AllocatePages(AllocateAddress, EfiLoaderData, EFI_SIZE_TO_PAGES(hi - lo), &at);
	if (EFI_ERROR(st))
		return st;
	ZeroMem((void *)(UINTN)lo, hi - lo); /* .bss and gaps */
	for (UINT16 i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_LOAD)
			CopyMem((void *)(UINTN)ph[i].paddr, elf + ph[i].offset, ph[i].filesz);
	Print(L"mbboot: kernel at 0x%lx-0x%lx, entry 0x%x\n", lo, hi, eh->entry);
	*entry = eh->entry;
	return EFI_SUCCESS;
}

/* A page below 4 GiB, as a 32-bit kernel can reach it. */
static EFI_STATUS low_page(EFI_MEMORY_TYPE type, EFI_PHYSICAL_ADDRESS *at)
{
	*at = 0xffffffffull;
	return BS->AllocatePages(AllocateMaxAddress, type, 1, at);
}

/* ExitBootServices wants the key of the current memory map; any
 * allocation in between makes it stale, so get the map and exit back to
 * back and retry (UEFI 2.10, 7.4.6). */
static EFI_STATUS exit_boot_services(EFI_HANDLE image)
{
	UINTN size = 0, cap, key, dsize;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map;
	EFI_STATUS st;

	BS->GetMemoryMap(&size, NULL, &key, &dsize, &dver);
	cap = size + 64 * dsize;
	map = AllocatePool(cap);
	if (!map)
		return EFI_OUT_OF_RESOURCES;
	for (int i = 0; i < EBS_TRIES; i++) {
		size = cap;
		st = BS->GetMemoryMap(&size, map, &key, &dsize, &dver);
		if (!EFI_ERROR(st))
			st = BS->ExitBootServices(image, key);
		if (st == EFI_SUCCESS)
			break;
	}
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_PHYSICAL_ADDRESS info_page, tramp_page;
	UINT8 *elf;
	UINTN len;
	UINT32 entry, *mbi;
	EFI_STATUS st;

	InitializeLib(image, systab);
	Print(L"mbboot: bare multiboot loader for make bench\n");
	st = read_kernel(image, &elf, &len);
	if (EFI_ERROR(st))
		return fail(L"cannot read \\mbboot\\kernel.elf", st);
	st = load_elf(elf, len, &entry);
	if (EFI_ERROR(st))
		return fail(L"cannot load the kernel at its physical addresses", st);

	/* Multiboot info (spec 3.3): flags, cmdline at +16, loader name at
	 * +64; the strings live in the same page. */
	st = low_page(EfiLoaderData, &info_page);
	if (EFI_ERROR(st))
		return fail(L"no page below 4 GiB for the multiboot info", st);
	mbi = (UINT32 *)(UINTN)info_page;
	ZeroMem(mbi, EFI_PAGE_SIZE);
	CopyMem((char *)mbi + 512, "bare", 5);
	CopyMem((char *)mbi + 576, "mbboot", 7);
	mbi[0] = MBI_CMDLINE | MBI_LOADER;
	mbi[4] = (UINT32)info_page + 512;
	mbi[16] = (UINT32)info_page + 576;

	/* EfiLoaderCode: the firmware may map data pages non-executable. */
	st = low_page(EfiLoaderCode, &tramp_page);
	if (EFI_ERROR(st))
		return fail(L"no page below 4 GiB for the trampoline", st);
	CopyMem((void *)(UINTN)tramp_page, mb_tramp, mb_tramp_end - mb_tramp);

	Print(L"mbboot: leaving UEFI, jumping to the kernel\n");
	st = exit_boot_services(image);
	if (EFI_ERROR(st)) /* the console may be gone: just stop */
		for (;;)
			__asm__ volatile("cli; hlt");
	((tramp_fn)(UINTN)tramp_page)(entry, (UINT32)info_page);
}
