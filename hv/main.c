/*
 * hv_main: the hypervisor core, from the loader's jump to every CPU running
 * with hardware virtualization on. It reads as the boot sequence;
 * docs/boot.md tells the same story with the reasons.
 *
 * The loader has called ExitBootServices(): no firmware services remain,
 * interrupts are off, and everything we know about the machine is in
 * struct boot_info.
 */
#include <tessera/acpi.h>
#include <tessera/arch.h>
#include <tessera/bootinfo.h>
#include <tessera/config.h>
#include <tessera/console.h>
#include <tessera/cpus.h>
#include <tessera/diag.h>
#include <tessera/log.h>
#include <tessera/memmap.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/platform.h>
#include <tessera/pmm.h>
#include <tessera/string.h>
#include <tessera/version.h>
#include <drivers/cmos_rtc.h>
#include <drivers/uart16550.h>

void hv_main(struct boot_info *bi) __noreturn;

/* Waiting for all APs to finish their own set-up after they started. */
#define AP_ONLINE_TIMEOUT_US 5000000ull

/* A marker the isolation test guest must never find in the memory it can
 * reach (tests/guests/isolation.c). Built from two halves so that only
 * the hypervisor's data holds it whole, never an instruction stream. */
__attribute__((used)) static char hv_secret[32];

static struct pmm hv_pmm;
struct pmm *hv_pmm_ptr = &hv_pmm; /* for the console's `mem` */
static struct config hv_config;
static struct diag hv_diag;
static u16 serial_port = 0x3f8;
static volatile bool boot_done; /* the BSP finished hv_main's sequence */

static void serial_sink(const char *s, size_t n)
{
	uart_write(serial_port, s, n);
}

static void __noreturn stop_boot(const char *why)
{
	log_emergency("tessera: cannot continue: %s\n", why);
	log_emergency("tessera: halted\n");
	arch_cpu_stop();
}

static void print_diag(const char *prefix)
{
	for (unsigned i = 0; i < hv_diag.count; i++)
		log_printf("%s%s\n", prefix, hv_diag.msg[i]);
	if (hv_diag.dropped)
		log_printf("%s(%u more messages not shown)\n", prefix, hv_diag.dropped);
	diag_init(&hv_diag);
}

static void console_init(const struct boot_info *bi)
{
	if (bi->magic == BOOT_INFO_MAGIC && bi->serial_port)
		serial_port = bi->serial_port;
	uart_init(serial_port, bi->magic == BOOT_INFO_MAGIC ? bi->serial_baud : 115200);
	log_set_sink(serial_sink);
}

static void check_boot_info(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC)
		stop_boot("boot info has a bad magic number: loader and core do not match");
	if (bi->version != BOOT_INFO_VERSION || bi->size != sizeof(*bi))
		stop_boot("boot info version or size differs: loader and core are from different builds");
	log_printf("tessera: core %s started (loader %s, boot info v%u)\n", TESSERA_VERSION,
		   bi->loader_version, bi->version);
}

static u64 mib(u64 bytes)
{
	return bytes / MiB;
}

/*
 * Memory comes in two phases (see tessera/memmap.h): conventional memory
 * first, from which we build our own page tables while the firmware's are
 * still live; then, once CR3 is ours, the boot-services and loader memory
 * that held the firmware's tables and the loader itself.
 */
static void memory_init(const struct boot_info *bi)
{
	struct mem_summary s;

	pmm_init(&hv_pmm);
	memmap_add_class(&hv_pmm, bi, MEMC_FREE);
	arch_paging_init(&hv_pmm, memmap_ram_top(bi));
	memmap_add_class(&hv_pmm, bi, MEMC_FREE_LATER);

	memmap_summarize(bi, &s);
	log_printf("tessera: memory: %llu MiB RAM, %llu MiB free, hypervisor %llu KiB, "
		   "firmware %llu KiB, reserved %llu KiB\n",
		   (unsigned long long)mib(s.bytes[MEMC_FREE] + s.bytes[MEMC_FREE_LATER] +
					   s.bytes[MEMC_TESSERA] + s.bytes[MEMC_FIRMWARE]),
		   (unsigned long long)mib(hv_pmm.free_bytes),
		   (unsigned long long)(s.bytes[MEMC_TESSERA] / KiB),
		   (unsigned long long)(s.bytes[MEMC_FIRMWARE] / KiB),
		   (unsigned long long)(s.bytes[MEMC_RESERVED] / KiB));
	if (hv_pmm.lost_bytes)
		log_printf("tessera: memory: %llu KiB not usable: allocator table full\n",
			   (unsigned long long)(hv_pmm.lost_bytes / KiB));
}

static void cpus_init(const struct boot_info *bi)
{
	struct cpu_list list;
	u32 bsp_apic = arch_cpu_apic_id();

	if (!cpus_discover(bi, bsp_apic, &list, &hv_diag)) {
		print_diag("tessera: cpus: ");
		stop_boot("no list of CPUs from ACPI or UEFI MP Services");
	}
	print_diag("tessera: cpus: ");
	pcpu_count = list.count;
	cpus_irq0 = list.irq0;
	for (unsigned i = 0; i < list.count; i++) {
		pcpus[i].index = i;
		pcpus[i].apic_id = list.apic_id[i];
		pcpus[i].state = PCPU_OFFLINE;
	}
	log_printf("tessera: cpus: %u (from %s), bsp apic=%u\n", list.count,
		   cpu_source_name(list.source), bsp_apic);
}

static void config_init(const struct boot_info *bi)
{
	unsigned valid;

	config_parse(&hv_config, bi->config_path, hpa_to_ptr(bi->config_addr), bi->config_size,
		     &hv_diag);
	valid = config_check(&hv_config, pcpu_count, hv_pmm.free_bytes, &hv_diag);
	print_diag("tessera: ");
	log_printf("tessera: config %s: %u partition%s, %u usable\n", bi->config_path,
		   hv_config.npartitions, hv_config.npartitions == 1 ? "" : "s", valid);
}

/* The line every CPU prints when it is ready for guests. The state
 * changes after the line, so the BSP's summary (report_cpus), which waits
 * for it, always comes after every CPU's own line. */
static void cpu_online(struct pcpu *c)
{
	char why[160];

	if (!arch_virt_enable(c, why, sizeof(why))) {
		str_copy(c->fail_reason, why, sizeof(c->fail_reason));
		log_printf("cpu %u failed apic=%u: %s\n", c->index, c->apic_id, why);
		__atomic_store_n(&c->state, PCPU_FAILED, __ATOMIC_RELEASE);
		return;
	}
	log_printf("cpu %u online apic=%u %s=on\n", c->index, c->apic_id, arch_virt_name());
	__atomic_store_n(&c->state, PCPU_ONLINE, __ATOMIC_RELEASE);
}

void hv_ap_main(struct pcpu *c)
{
	cpu_online(c);
	if (c->state != PCPU_ONLINE)
		arch_cpu_stop();
	while (!boot_done) /* the config says which CPU runs the console */
		__builtin_ia32_pause();
	if ((int)c->index == hv_config.hv.console_cpu)
		console_run(serial_port);
	vcpu_loop(c->index);
}

static void start_aps(const struct boot_info *bi)
{
	char why[160];
	u64 deadline;

	if (pcpu_count < 2)
		return;
	if (!arch_smp_prepare(bi->trampoline, why, sizeof(why))) {
		log_printf("tessera: cannot start other CPUs: %s\n", why);
		for (unsigned i = 1; i < pcpu_count; i++) {
			pcpus[i].state = PCPU_FAILED;
			str_copy(pcpus[i].fail_reason, why, sizeof(pcpus[i].fail_reason));
		}
		return;
	}
	for (unsigned i = 1; i < pcpu_count; i++) {
		struct pcpu *c = &pcpus[i];

		if (!arch_cpu_prepare(c, &hv_pmm) || !arch_cpu_start(c)) {
			c->state = PCPU_FAILED;
			log_printf("cpu %u failed apic=%u: %s\n", i, c->apic_id, c->fail_reason);
		}
	}
	/* Started APs turn on virtualization on their own; wait for all. */
	deadline = arch_time_ns() + AP_ONLINE_TIMEOUT_US * 1000;
	for (unsigned i = 1; i < pcpu_count; i++)
		while ((pcpus[i].state == PCPU_ALIVE || pcpus[i].state == PCPU_STARTING) &&
		       arch_time_ns() < deadline)
			__builtin_ia32_pause();
}

static void report_cpus(void)
{
	unsigned online = 0;

	for (unsigned i = 0; i < pcpu_count; i++) {
		if (pcpus[i].state == PCPU_ONLINE)
			online++;
		else if (pcpus[i].state != PCPU_FAILED)
			log_printf("cpu %u failed apic=%u: stuck %s\n", i, pcpus[i].apic_id,
				   pcpu_state_name(pcpus[i].state));
	}
	log_printf("tessera: %u of %u CPUs online, %s on\n", online, pcpu_count,
		   arch_virt_name());
}

/* The machine's date, once: every partition's RTC starts from it and
 * counts on with the TSC (hv/platform.c). */
static void read_wallclock(void)
{
	struct rtc_datetime now;

	if (!cmos_rtc_read(&now)) {
		log_printf("tessera: the machine's RTC reads no valid date; partitions' clocks "
			   "start at 2000-01-01\n");
		return;
	}
	platform_set_wallclock(&now, arch_time_ns());
	log_printf("tessera: date %04u-%02u-%02u %02u:%02u:%02u (from the RTC)\n", now.year,
		   now.month, now.day, now.hour, now.minute, now.second);
}

#ifdef TESSERA_SELFTEST_FAULT
/* Test build only (make fault-image): prove that a fault in the core is
 * reported, not silently hung on. Reads an address beyond the 1:1 map. */
static void selftest_fault(void)
{
	log_printf("tessera: selftest: reading an unmapped address\n");
	(void)*(volatile u64 *)(uintptr_t)0x00007fff00000000ull;
}
#else
static void selftest_fault(void)
{
}
#endif

/*
 * No CPU kept for the console (console_cpu = none, or the one named is
 * missing): the console shares CPU 0 with the partition that has it, if
 * any, running between that vCPU's exits (docs/console.md, section 8).
 */
static void share_console_cpu(void)
{
	struct vcpu *v = vcpu_of_pcpu(0);

	if (v) {
		v->shares_console = true;
		log_printf("tessera: no console CPU: the console shares cpu 0 with partition %s\n",
			   v->part->name);
	} else {
		log_printf("tessera: no console CPU: the console runs on cpu 0, which no partition "
			   "uses\n");
	}
	console_start_shared(serial_port, 0);
}

void hv_main(struct boot_info *bi)
{
	struct pcpu *bsp = &pcpus[0];
	char why[320];

	console_init(bi);
	str_copy(hv_secret, "TESSERA-", sizeof(hv_secret));
	str_append(hv_secret, "HYPERVISOR-SECRET", sizeof(hv_secret));
	check_boot_info(bi);
	arch_time_init(bi->tsc_hz);

	/* The BSP's own tables first, so a fault from here on is reported. */
	arch_cpu_init(bsp);
	memory_init(bi);
	if (!arch_cpu_prepare(bsp, &hv_pmm))
		stop_boot("out of memory for the boot CPU");
	selftest_fault();

	cpus_init(bi);
	bsp->state = PCPU_ALIVE;

	if (!arch_virt_supported(why, sizeof(why)))
		stop_boot(why);
	arch_virt_describe(why, sizeof(why));
	log_printf("tessera: %s\n", why);
	cpu_online(bsp);
	if (bsp->state != PCPU_ONLINE)
		stop_boot("the boot CPU could not enable virtualization");
	start_aps(bi);
	report_cpus();

	config_init(bi);
	read_wallclock();
	partitions_init(&hv_config, bi, &hv_pmm);
	vcpu_loop_release();
	for (unsigned i = 0; i < npartitions; i++)
		if (partitions[i].cfg->autostart && partitions[i].state != PART_FAILED)
			partition_start(&partitions[i], why, sizeof(why)); /* a failure is logged */
	log_printf("tessera: ready\n");
	__atomic_store_n(&boot_done, true, __ATOMIC_RELEASE);
	if (hv_config.hv.console_cpu == 0)
		console_run(serial_port);
	if (hv_config.hv.console_cpu < 0)
		share_console_cpu();
	vcpu_loop(0);
}
