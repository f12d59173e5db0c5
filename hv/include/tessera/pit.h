/*
 * A virtual 8254 programmable interval timer (the PC's PIT) and the timer
 * bits of port 0x61, for the guests that calibrate with it or take their
 * tick from it: bare-metal kernels and Linux time the TSC against channel
 * 2 (pit_calibrate_tsc, quick_pit_calibrate), and channel 0 on IRQ 0 is a
 * legacy PC's clock tick. Portable and host-tested like hv/acpi_pm.c: the
 * model never reads a clock and never raises an interrupt itself. Time
 * comes in as now_ns, the partition's monotonic time in nanoseconds, and
 * the model says when channel 0's output rises instead of raising IRQ 0.
 *
 * Modelled (Intel 8254 Programmable Interval Timer data sheet, order
 * number 231164): the control word (counter select, read/write LSB, MSB
 * or LSB then MSB, modes 0-5, binary or BCD counting), the counter latch
 * command, the read-back command with status and count latches, the six
 * modes with their gate behaviour, and OUT of each counter, all computed
 * from time: a counter holds where and when it started, never a running
 * count. The input clock is 1193182 Hz (the PC's 14.31818 MHz / 12); the
 * number of clock edges after a count is loaded at load_ns is exactly
 * floor((now_ns - load_ns) * 1193182 / 10^9), in integer math without
 * overflow. The 8254 loads a count on the first clock edge after the
 * write, which does not count (231164, Mode 0: OUT goes high n + 1 clock
 * pulses after the count is written), so the chip's OUT comes up to one
 * clock later than here. Here the write instant is that loading edge:
 * OUT of mode 0 rises at the first nanosecond at or after n / 1193182 s
 * from the count's last byte (what a TSC calibration measures).
 *
 * The PC wiring (IBM PC/AT Technical Reference, "System Timers"; the Intel
 * PIIX4 data sheet, "NMI Status and Control Register" at port 61h):
 *   counter 0: gate tied high, OUT0 drives IRQ 0 (edge triggered)
 *   counter 1: gate tied high, OUT1 was the DRAM refresh request; here it
 *              is an ordinary counter nothing listens to
 *   counter 2: gate = port 0x61 bit 0, OUT2 readable in port 0x61 bit 5
 *              (and ANDed with bit 1 for the speaker, not modelled)
 * Port 0x61 reads: bits 0-3 as last written (timer 2 gate, speaker data,
 * PCI SERR# and IOCHK# NMI enables: kept, no effect), bit 4 the refresh
 * toggle (flips every 18 input clocks = 15.085 us, the BIOS's refresh
 * rate, which BIOS-style delay loops count), bit 5 OUT2, bits 6-7 0 (no
 * NMI source). Port 0x43 is write-only (reads 0xff).
 *
 * Not modelled: the "count of 1 is illegal in mode 2" case takes a period
 * of 1 clock with OUT always high and no edge (in mode 3 likewise), rather
 * than whatever the silicon does; OUT changes caused by writing a control
 * word or by a gate falling in modes 2 and 3 (OUT forced high) are not
 * counted as rising edges (channel 0's gate never falls, and a control
 * word is not a clock).
 */
#ifndef TESSERA_PIT_H
#define TESSERA_PIT_H

#include <tessera/types.h>

#define PIT_PORT_CH0 0x40
#define PIT_PORT_CH1 0x41
#define PIT_PORT_CH2 0x42
#define PIT_PORT_CTRL 0x43
#define PIT_PORT_61 0x61 /* "NMI status and control", system control port B */

#define PIT_HZ 1193182u  /* input clock: 14.31818 MHz / 12 */
#define PIT_CHANNELS 3
#define PIT_REFRESH_CLOCKS 18 /* port 0x61 bit 4 flips every 18 clocks */

/* Control word (231164, "Control Word Format"). */
#define PIT_CW_SC_SHIFT 6        /* SC1 SC0: counter 0-2, 3 = read-back */
#define PIT_CW_RW_SHIFT 4        /* RW1 RW0: 0 latch, 1 LSB, 2 MSB, 3 LSB then MSB */
#define PIT_CW_MODE_SHIFT 1      /* M2 M1 M0 */
#define PIT_CW_BCD 0x01
#define PIT_RW_LATCH 0
#define PIT_RW_LSB 1
#define PIT_RW_MSB 2
#define PIT_RW_WORD 3

/* Read-back command (231164, "Read-Back Command"): 11 /COUNT /STATUS CNT2
 * CNT1 CNT0 0. A 0 in bit 5 latches the counts, a 0 in bit 4 the status. */
#define PIT_RB_NOT_COUNT 0x20
#define PIT_RB_NOT_STATUS 0x10
#define PIT_RB_CNT(ch) (0x02u << (ch))

/* Status byte (231164, "Status Byte"): OUT, NULL COUNT, then the counter's
 * control word bits 5:0 (RW1 RW0 M2 M1 M0 BCD). */
#define PIT_ST_OUT 0x80
#define PIT_ST_NULL_COUNT 0x40

/* Port 0x61 bits. */
#define PIT_61_GATE2 0x01
#define PIT_61_SPEAKER 0x02
#define PIT_61_WRITABLE 0x0f /* gate 2, speaker, SERR#/IOCHK# NMI enables */
#define PIT_61_REFRESH 0x10
#define PIT_61_OUT2 0x20

struct pit_channel {
	/* As programmed by the last control word. */
	u8 ctrl;   /* RW1 RW0 M2 M1 M0 BCD: the status byte's bits 5:0 */
	u8 mode;   /* 0-5 (M2 is ignored when M1 = 1: 6 and 7 are 2 and 3) */
	u8 access; /* PIT_RW_LSB, _MSB or _WORD */
	bool bcd;
	bool gate; /* the GATE input level */

	/* The count register (CR) side: what the CPU writes. */
	u16 cr;        /* the last count written, raw (BCD digits if bcd) */
	bool write_msb; /* PIT_RW_WORD: the next write is the MSB */
	bool null_count; /* CR written but not yet moved into the counter */

	/* The output latch side: what the CPU reads. */
	bool read_msb;     /* PIT_RW_WORD: the next live read is the MSB */
	u8 latch_left;     /* latched count bytes still to read (0-2) */
	u16 latch;         /* the latched count, as read (BCD if bcd) */
	bool status_latched;
	u8 status;

	/*
	 * The counting element (CE), from time. While "loaded", the number of
	 * input clocks counted is e = offset + clocks(now - start_ns) if
	 * "running", else offset (the counter is held by its gate). n is the
	 * count the CE was loaded with (1-65536, or 1-10000 in BCD; a written
	 * 0 is the largest count). Not loaded: the CE reads "held" and OUT is
	 * out_idle (after a control word, or mode 1/5 waiting for a trigger).
	 */
	bool loaded;
	bool running;
	bool armed;   /* modes 1 and 5: a count is written; a gate rising edge starts it */
	bool out_idle;
	u16 held;     /* the CE while not loaded (binary count value) */
	u32 n;
	u64 start_ns;
	s64 offset;
	/* Modes 2 and 3: a count written while counting is loaded at the end
	 * of the current period (231164, Mode 2 and Mode 3), at e = switch_e. */
	bool pending;
	u32 next_n;
	u64 switch_e;

	/* Rising edges of OUT: those at e <= seen_e are accounted for; "carry"
	 * more happened before the counter was last reprogrammed (the first
	 * of them at carry_ns) and were not yet taken. */
	u64 seen_e;
	u64 carry;
	u64 carry_ns;
};

struct pit {
	struct pit_channel ch[PIT_CHANNELS];
	u8 port61; /* the writable bits of port 0x61 */
	u64 epoch_ns; /* pit_reset: the refresh toggle counts from here */
};

enum pit_io_result {
	PIT_NOT_MINE,     /* none of these ports: the caller handles it */
	PIT_HANDLED,      /* done; channel 0's edges are as they were */
	PIT_IRQ0_CHANGED, /* done, and channel 0 was reprogrammed: ask
			   * pit_irq0_next_ns() again */
};

/*
 * The power-on state at now_ns: no counter programmed (each reads 0, mode
 * 0 with LSB then MSB access and its NULL COUNT set, OUT low, no edges:
 * the 8254 leaves all this undefined until a control word; a BIOS-less
 * partition starts with a quiet IRQ 0), port 0x61 = 0 (gate 2 low).
 */
void pit_reset(struct pit *p, u64 now_ns);

/* True if an access of size bytes at port touches one of these ports
 * (0x40-0x43, 0x61). */
bool pit_owns_port(u16 port, unsigned size);

/*
 * One guest access (size 1, 2 or 4) at port, at time now_ns. A read fills
 * *value, a write takes it; wider accesses are taken byte by byte, as the
 * ISA bus splits them, and bytes outside these ports read 0xff and are
 * dropped when written.
 */
enum pit_io_result pit_io(struct pit *p, u16 port, unsigned size, bool write, u32 *value,
			  u64 now_ns);

/*
 * IRQ 0 is edge triggered: what counts is each rising edge of OUT0. They
 * come from the counting itself: in mode 0 one edge at terminal count
 * (count clocks after the load), in mode 4 one at the end of the strobe
 * (count + 1 clocks), in modes 2 and 3 one every count clocks from the
 * load (the rate generator's and the square wave's period) for as long as
 * the counter runs; modes 1 and 5 need a gate edge, which channel 0 never
 * sees.
 *
 * pit_irq0_next_ns: the time of the earliest rising edge not yet taken
 * with pit_irq0_edges, or 0 if none will come as things stand (an edge is
 * always after a load, so never at 0). It can be <= now: then take it.
 * A caller arms a timer for it, and asks again after any pit_io that
 * returns PIT_IRQ0_CHANGED and after taking edges.
 *
 * pit_irq0_edges: how many rising edges happened up to and including
 * now_ns that were not taken before (including those before the counter
 * was reprogrammed), and marks them taken. Raise IRQ 0 (one edge: a
 * pulse) if it is not 0; an edge-triggered PIC or I/O APIC merges them.
 */
u64 pit_irq0_next_ns(const struct pit *p);
unsigned pit_irq0_edges(struct pit *p, u64 now_ns);

/* The level of counter ch's OUT at now_ns (as the status byte's bit 7). */
bool pit_out(const struct pit *p, unsigned ch, u64 now_ns);

#endif
