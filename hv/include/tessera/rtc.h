/*
 * A virtual MC146818A real-time clock and its CMOS RAM, the PC's RTC at
 * ports 0x70 (index) and 0x71 (data): so that a guest reads the machine's
 * date instead of booting in 1970 (Linux's mc146818_get_time, a bare-metal
 * kernel's RTC driver), keeps its NVRAM bytes, and gets IRQ 8 if it asks.
 * Portable and host-tested like hv/acpi_pm.c: the model never reads a
 * clock and never raises an interrupt itself. The hypervisor reads the
 * real RTC once at boot (rtc_decode_cmos turns those bytes into a date),
 * hands that to rtc_init, and from then on the time is computed from
 * now_ns, the partition's monotonic time in nanoseconds.
 *
 * Register map (Motorola MC146818A data sheet, "Address Map" and
 * "Registers"; the PC's CMOS layout, IBM PC/AT Technical Reference):
 *   0x00 seconds   0x01 seconds alarm   0x02 minutes   0x03 minutes alarm
 *   0x04 hours     0x05 hours alarm     0x06 day of week (1-7, Sunday 1)
 *   0x07 day of month   0x08 month   0x09 year (00-99)
 *   0x0A register A: UIP (read-only), DV2-DV0 divider, RS3-RS0 rate
 *   0x0B register B: SET PIE AIE UIE SQWE DM 24/12 DSE
 *   0x0C register C: IRQF PF AF UF, read-only, cleared by reading it
 *   0x0D register D: VRT (valid RAM and time), reads 0x80
 *   0x32 century (the IBM PC/AT's byte; the ACPI FADT's CENTURY field
 *        names it, and Linux adds it to the year), encoded like the year
 *   the other bytes 0x0E-0x7F: NVRAM, kept as written
 * The time, alarm and century registers read in the encoding register B
 * selects: BCD (DM = 0) or binary, 24-hour or 12-hour (bit 7 = PM, hours
 * 1-12). Writes to them are taken in that encoding.
 *
 * The clock: a full Gregorian calendar (leap years by the 4/100/400 rule,
 * across centuries through the century byte; the chip itself takes every
 * fourth year as leap, which is only wrong in 2100), computed in integer
 * math from the time at a base instant. Updates happen once a second, on
 * a fixed grid of seconds ("the divider"). UIP reads 1 for the 244 us
 * before each update ("UIP = 0: the update cycle ... will not be for at
 * least 244 us", Register A) and 0 for the rest of the second, so every
 * poll for UIP = 0, or for UIP 1 -> 0, ends. The update itself is
 * instantaneous (the chip takes 1984 us with the registers unreadable; a
 * read here is never wrong, and Linux gives up on UIP after 1 ms).
 *
 * Setting the clock (Register B, SET): SET = 1 stops updates ("inhibits
 * any update cycle and then clears the UIP status bit") and clears UIE;
 * the guest writes the time registers, which then read back as written;
 * SET = 0 makes the written time the new base, and it counts on from
 * there at the next second of the grid. A time register written while
 * SET = 0 takes effect at once the same way. DV = 11x (divider reset)
 * also stops the clock; leaving it starts the first update half a second
 * later ("the first update cycle begins one-half second later").
 * Written values out of range are clamped to the nearest valid one
 * (second 0-59, ..., day 1 to the month's length). The day of week is the
 * date's, or what the guest last wrote, counted on from there. DSE
 * (daylight saving) and SQWE are kept but do nothing; there is no square
 * wave pin.
 *
 * Interrupts (Register C): PF at the periodic rate of RS3-RS0 (RS = 1, 2:
 * 256, 128 Hz; RS >= 3: 65536 >> RS Hz; 0: none), on the same divider, so
 * periodic edges are aligned with seconds; UF at every update; AF at an
 * update whose hours, minutes and seconds match the alarm bytes, where an
 * alarm byte of 0xC0-0xFF matches anything. Each flag is set whether its
 * enable is or not; IRQF = PF & PIE | AF & AIE | UF & UIE, and IRQ 8 is
 * IRQF: it goes up at the first enabled event and stays up until register
 * C is read, which clears all four. Nothing runs per tick: flags are
 * computed from time when they are read or when something changes.
 *
 * Port 0x70: bits 6:0 select the register, bit 7 masks NMI (kept, has no
 * effect here); it is write-only and reads 0xff, as on PIIX4 and later
 * chipsets. Port 0x71 reads or writes the selected register. Accesses of
 * 2 or 4 bytes are taken byte by byte (outw to 0x70 writes index and
 * data), bytes outside 0x70-0x71 read 0xff and are dropped when written.
 */
#ifndef TESSERA_RTC_H
#define TESSERA_RTC_H

#include <tessera/types.h>

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA 0x71
#define RTC_NMI_MASK 0x80 /* port 0x70 bit 7 */
#define RTC_CMOS_SIZE 128

/* Registers. */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

/* Register A. */
#define RTC_A_UIP 0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_32KHZ 0x20  /* DV = 010: 32.768 kHz time base, running */
#define RTC_A_DV_RESET 0x60  /* DV = 11x: divider chain held in reset */
#define RTC_A_RS_MASK 0x0f
#define RTC_A_POWER_ON 0x26  /* what a PC BIOS leaves: 32.768 kHz, 1024 Hz */

/* Register B. */
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_B_POWER_ON RTC_B_24H /* BCD, 24-hour, nothing enabled */

/* Register C and D. */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

#define RTC_ALARM_DONT_CARE 0xc0 /* an alarm byte >= this matches any value */
#define RTC_HOUR_PM 0x80         /* 12-hour mode: bit 7 of the hours */
#define RTC_UIP_NS 244000ull     /* UIP = 1 this long before each update */

/* A wall-clock time, binary: year 0-9999 in full, month 1-12, day 1-31,
 * hour 0-23, minute 0-59, second 0-59. */
struct rtc_datetime {
	u16 year;
	u8 month, day, hour, minute, second;
};

struct rtc {
	u8 index;       /* port 0x70 bits 6:0 */
	bool nmi_masked; /* port 0x70 bit 7 */
	/*
	 * The register file: NVRAM bytes, the alarms (0x01, 0x03, 0x05),
	 * A's bits 6:0 and B. While the clock is stopped (SET or divider
	 * reset) the time registers and the century are here as well, as
	 * they read; while it runs they are computed.
	 */
	u8 ram[RTC_CMOS_SIZE];

	/* The clock: while running, at a time t it is base_secs + (the
	 * grid second of t - base_k); the grid's seconds begin where
	 * (t + phase_ns) is a multiple of 10^9. Seconds count from day 0 of
	 * the calendar (see rtc.c). */
	u64 base_secs;
	u64 base_k;
	u32 phase_ns;
	u8 dow_adjust; /* day of week = the date's + this, mod 7 */

	/* Register C, from time: "flags" holds those set up to seg_ns;
	 * the events after it follow from the state, unchanged since. */
	u8 flags;
	u64 seg_ns;
	/* Rising edges of IRQ 8 not yet taken (the first at carry_ns). */
	u64 carry;
	u64 carry_ns;
};

/* Raw bytes of the real CMOS, as the arch code reads them. */
struct rtc_cmos_raw {
	u8 seconds, minutes, hours, day, month, year; /* 0x00 0x02 0x04 0x07 0x08 0x09 */
	u8 century; /* 0x32, or 0 if the machine has none (no FADT CENTURY) */
	u8 reg_b;   /* 0x0B: DM and 24/12 say how to read the others */
};

/*
 * Turn the real RTC's bytes into a date (pure; the arch code reads them
 * with UIP = 0). BCD or binary and 12- or 24-hour as reg_b says. A
 * century that is not a valid 19-99 (after decoding) is taken as absent,
 * and then the year is 1970-2069, as Linux does. Returns false, and
 * leaves *out alone, if a field is not valid BCD or out of range.
 */
bool rtc_decode_cmos(const struct rtc_cmos_raw *raw, struct rtc_datetime *out);

/*
 * The power-on state at now_ns: the clock reads boot_time at now_ns and
 * counts on (its seconds begin at now_ns); A = 0x26, B = 0x02 (BCD,
 * 24-hour), C = 0, D = VRT, index 0, NVRAM zeros. An invalid boot_time is
 * clamped into range field by field.
 */
void rtc_init(struct rtc *r, const struct rtc_datetime *boot_time, u64 now_ns);

/* The date the clock shows at now_ns (binary, as the guest set it). */
void rtc_now(const struct rtc *r, u64 now_ns, struct rtc_datetime *out);

/* Day of week of a date, 1-7 with Sunday = 1 as in register 0x06. */
unsigned rtc_weekday(const struct rtc_datetime *d);

/* True if an access of size bytes at port touches 0x70 or 0x71. */
bool rtc_owns_port(u16 port, unsigned size);

enum rtc_io_result {
	RTC_NOT_MINE,    /* not these ports: the caller handles it */
	RTC_HANDLED,     /* done; IRQ 8's schedule is as it was */
	RTC_IRQ_CHANGED, /* done, and it may have moved: ask rtc_irq_next_ns()
			  * again */
};

/* One guest access (size 1, 2 or 4) at port, at time now_ns. A read fills
 * *value, a write takes it. */
enum rtc_io_result rtc_io(struct rtc *r, u16 port, unsigned size, bool write, u32 *value,
			  u64 now_ns);

/*
 * IRQ 8 is edge triggered (PIIX4: the RTC input is always edge in the
 * ELCR), so what counts is each rise of IRQF.
 *
 * rtc_irq_next_ns: the time of the earliest rise not yet taken with
 * rtc_irq_edges, or 0 if none will come as things stand (nothing enabled,
 * or IRQF already up: it stays up until the guest reads register C). It
 * can be <= now: then take it. Ask again after an rtc_io that returns
 * RTC_IRQ_CHANGED and after taking edges.
 *
 * rtc_irq_edges: how many rises happened up to and including now_ns that
 * were not taken before, and marks them taken. Raise IRQ 8 if not 0.
 *
 * rtc_irq_level: IRQF at now_ns (the line's level, for a level view).
 */
u64 rtc_irq_next_ns(const struct rtc *r);
unsigned rtc_irq_edges(struct rtc *r, u64 now_ns);
bool rtc_irq_level(const struct rtc *r, u64 now_ns);

#endif
