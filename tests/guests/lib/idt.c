/*
 * The guest's IDT (SDM Vol. 3A 6.10-6.11): 32-bit interrupt gates, the 32
 * exception vectors to exceptions.S (fatal unless a probe is armed), the
 * rest to an IRET unless a guest installs a handler (idt_set_handler).
 */
#include "guest.h"

volatile u32 probe_fixup;
volatile u32 probe_vector = PROBE_NONE;

extern const u32 exc_stub_table[32];
extern void irq_ignore(void);

struct gate {
	u16 off_lo, sel;
	u8 zero, type; /* 0x8E: present, DPL 0, 32-bit interrupt gate */
	u16 off_hi;
} __attribute__((packed));

static struct gate idt[256];

static void set_gate(unsigned v, u32 handler)
{
	idt[v].off_lo = (u16)handler;
	idt[v].sel = SEL_CODE;
	idt[v].zero = 0;
	idt[v].type = 0x8E;
	idt[v].off_hi = (u16)(handler >> 16);
}

void idt_set_handler(unsigned vector, irq_handler h)
{
	if (vector >= 32 && vector < 256)
		set_gate(vector, (u32)h);
}

void idt_load(void)
{
	struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u32)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void lib_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, v < 32 ? exc_stub_table[v] : (u32)irq_ignore);
	idt_load();
}

void exc_fatal(u32 vector, u32 error, u32 eip);
void exc_fatal(u32 vector, u32 error, u32 eip)
{
	printf("guest: exception %u error=0x%x eip=0x%08x, halting\n", vector, error, eip);
	guest_halt();
}

void guest_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_idle(void)
{
	if (!hv_present())
		guest_halt();
	/* Tessera treats a halt with interrupts off as a crash (on_crash);
	 * nothing interrupts a partition that armed nothing, so this sleeps
	 * for good. */
	for (;;)
		__asm__ volatile("sti; hlt; cli");
}
