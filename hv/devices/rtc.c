/*
 * The virtual MC146818A RTC and CMOS RAM (tessera/rtc.h). Register and
 * bit names are the Motorola MC146818A data sheet's. The clock is a count
 * of seconds from day 0 of a proleptic Gregorian calendar; day 0 is 1
 * March of the year -400, so that every year from 0 on has a non-negative
 * day number, and a year's leap day is the last day of its March-based
 * year (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). All
 * interrupt flags come from the time grid: nothing here runs per second.
 */
#include <tessera/rtc.h>
#include <tessera/string.h>

#define NS_PER_S 1000000000ull
#define SECS_PER_DAY 86400u
#define DAYS_PER_400Y 146097u
#define NEVER (~0ull)

/* ---------------------------------------------------------------- calendar */

static bool is_leap(u32 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static u32 month_days(u32 y, u32 m)
{
	static const u8 days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static u64 days_from_civil(u32 y, u32 m, u32 d)
{
	u32 era, yoe, doy, doe;

	y += 400;
	if (m <= 2)
		y--; /* January and February end the previous March-based year */
	era = y / 400;
	yoe = y % 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (u64)era * DAYS_PER_400Y + doe;
}

static void civil_from_days(u64 z, struct rtc_datetime *o)
{
	u64 era = z / DAYS_PER_400Y;
	u32 doe = (u32)(z % DAYS_PER_400Y);
	u32 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	u32 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	u32 mp = (5 * doy + 2) / 153;
	u32 m = mp < 10 ? mp + 3 : mp - 9;

	o->day = (u8)(doy - (153 * mp + 2) / 5 + 1);
	o->month = (u8)m;
	o->year = (u16)(era * 400 + yoe + (m <= 2) - 400);
}

/* Day 0 is a Wednesday (as 1 March 2000: 400 Gregorian years are exactly
 * 20871 weeks); register 0x06 counts Sunday as 1. */
static unsigned weekday_of_days(u64 z)
{
	return (unsigned)((z + 3) % 7) + 1;
}

unsigned rtc_weekday(const struct rtc_datetime *d)
{
	return weekday_of_days(days_from_civil(d->year, d->month, d->day));
}

static u64 secs_of(const struct rtc_datetime *d)
{
	return days_from_civil(d->year, d->month, d->day) * SECS_PER_DAY +
	       (u32)d->hour * 3600 + (u32)d->minute * 60 + d->second;
}

static void datetime_of(u64 secs, struct rtc_datetime *o)
{
	u32 tod = (u32)(secs % SECS_PER_DAY);

	civil_from_days(secs / SECS_PER_DAY, o);
	o->hour = (u8)(tod / 3600);
	o->minute = (u8)(tod / 60 % 60);
	o->second = (u8)(tod % 60);
}

static u32 clamp(u32 v, u32 lo, u32 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void clamp_datetime(struct rtc_datetime *d)
{
	d->year = (u16)clamp(d->year, 0, 9999);
	d->month = (u8)clamp(d->month, 1, 12);
	d->day = (u8)clamp(d->day, 1, month_days(d->year, d->month));
	d->hour = (u8)clamp(d->hour, 0, 23);
	d->minute = (u8)clamp(d->minute, 0, 59);
	d->second = (u8)clamp(d->second, 0, 59);
}

/* ---------------------------------------------------------------- encoding */

/* Register B's DM: binary, else two BCD digits. A nibble above 9 is not
 * BCD; decoding keeps its weight and the range check or clamp follows. */
static u8 enc(u8 b, u32 v)
{
	return (u8)(b & RTC_B_DM_BINARY ? v : (v / 10 % 10) << 4 | v % 10);
}

static u32 dec(u8 b, u8 v)
{
	return b & RTC_B_DM_BINARY ? v : (u32)(v >> 4) * 10 + (v & 15);
}

static bool bcd_ok(u8 b, u8 v)
{
	return (b & RTC_B_DM_BINARY) || ((v >> 4) <= 9 && (v & 15) <= 9);
}

/* Hours: 24-hour 0-23, or 12-hour 1-12 with bit 7 = PM (12 AM is
 * midnight, 12 PM noon). */
static u8 enc_hour(u8 b, u32 h)
{
	u32 h12 = h % 12 ? h % 12 : 12;

	if (b & RTC_B_24H)
		return enc(b, h);
	return (u8)(enc(b, h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

/* Decodes an hours byte; *ok says whether it was a valid hour. */
static u32 dec_hour(u8 b, u8 v, bool *ok)
{
	u32 h;

	if (b & RTC_B_24H) {
		h = dec(b, v);
		*ok = bcd_ok(b, v) && h <= 23;
		return h > 23 ? 23 : h;
	}
	h = dec(b, v & 0x7f);
	*ok = bcd_ok(b, v & 0x7f) && h >= 1 && h <= 12;
	h = clamp(h, 1, 12);
	return h % 12 + (v & RTC_HOUR_PM ? 12 : 0);
}

bool rtc_decode_cmos(const struct rtc_cmos_raw *raw, struct rtc_datetime *out)
{
	u8 b = raw->reg_b;
	u32 yy = dec(b, raw->year), cc = dec(b, raw->century), h;
	struct rtc_datetime d;
	bool ok;

	if (!bcd_ok(b, raw->seconds) || !bcd_ok(b, raw->minutes) || !bcd_ok(b, raw->day) ||
	    !bcd_ok(b, raw->month) || !bcd_ok(b, raw->year))
		return false;
	h = dec_hour(b, raw->hours, &ok);
	if (!ok)
		return false;
	/* No (valid) century byte: 1970-2069, Linux's window. */
	if (!bcd_ok(b, raw->century) || cc < 19 || cc > 99)
		cc = yy < 70 ? 20 : 19;
	d.year = (u16)(cc * 100 + yy);
	d.month = (u8)dec(b, raw->month);
	d.day = (u8)dec(b, raw->day);
	d.hour = (u8)h;
	d.minute = (u8)dec(b, raw->minutes);
	d.second = (u8)dec(b, raw->seconds);
	if (yy > 99 || d.month < 1 || d.month > 12 || d.day < 1 ||
	    d.day > month_days(d.year, d.month) || d.minute > 59 || d.second > 59)
		return false;
	*out = d;
	return true;
}

/* ---------------------------------------------------------------- the clock */

static u8 reg_b(const struct rtc *r)
{
	return r->ram[RTC_REG_B];
}

static bool div_reset(const struct rtc *r)
{
	return (r->ram[RTC_REG_A] & RTC_A_DV_RESET) == RTC_A_DV_RESET;
}

/* Updates happen: not SET, divider running. */
static bool running(const struct rtc *r)
{
	return !(reg_b(r) & RTC_B_SET) && !div_reset(r);
}

/* The grid second t falls in; second k begins at k * 10^9 - phase_ns. */
static u64 grid_k(const struct rtc *r, u64 t)
{
	return (t + r->phase_ns) / NS_PER_S;
}

static u64 boundary_ns(const struct rtc *r, u64 k)
{
	return k * NS_PER_S - r->phase_ns;
}

static u64 secs_at_k(const struct rtc *r, u64 k)
{
	return k >= r->base_k ? r->base_secs + (k - r->base_k) : r->base_secs;
}

/* Periodic interrupt: ticks of the 32.768 kHz divider at t, exactly
 * floor((t + phase) * 2^15 / 10^9) = floor(y * 64 / 1953125), split so
 * that it never overflows. */
static u64 t32(const struct rtc *r, u64 t)
{
	u64 y = t + r->phase_ns;

	return (y / 1953125) * 64 + (y % 1953125) * 64 / 1953125;
}

/* The first time at which t32 reaches tick. */
static u64 t32_ns(const struct rtc *r, u64 tick)
{
	return (tick / 64) * 1953125 + ((tick % 64) * 1953125 + 63) / 64 - r->phase_ns;
}

/* The periodic rate in divider ticks: RS = 1 and 2 repeat taps 8 and 9
 * (256 and 128 Hz with a 32.768 kHz base, "Periodic Interrupt Rate"
 * table); RS = n >= 3 is 2^(n-1) ticks; 0 is off, as is a held divider. */
static u64 pf_period(const struct rtc *r)
{
	unsigned rs = r->ram[RTC_REG_A] & RTC_A_RS_MASK;

	if (!rs || div_reset(r))
		return 0;
	return rs <= 2 ? 64ull << rs : 1ull << (rs - 1);
}

/* The time registers as they read while running, at time t. */
static void encode_time(const struct rtc *r, u64 t, u8 *regs)
{
	u8 b = reg_b(r);
	u64 secs = secs_at_k(r, grid_k(r, t));
	struct rtc_datetime d;
	unsigned dow = (weekday_of_days(secs / SECS_PER_DAY) - 1 + r->dow_adjust) % 7 + 1;

	datetime_of(secs, &d);
	regs[RTC_SECONDS] = enc(b, d.second);
	regs[RTC_MINUTES] = enc(b, d.minute);
	regs[RTC_HOURS] = enc_hour(b, d.hour);
	regs[RTC_DAY_OF_WEEK] = enc(b, dow);
	regs[RTC_DAY_OF_MONTH] = enc(b, d.day);
	regs[RTC_MONTH] = enc(b, d.month);
	regs[RTC_YEAR] = enc(b, d.year % 100);
	regs[RTC_CENTURY] = enc(b, d.year / 100 % 100);
}

/* The stopped clock's registers (as written, in B's format) as a date. */
static void decode_shadow(const struct rtc *r, u8 b, struct rtc_datetime *d, unsigned *dow)
{
	const u8 *m = r->ram;
	bool ok;

	d->year = (u16)(clamp(dec(b, m[RTC_CENTURY]), 0, 99) * 100 +
			clamp(dec(b, m[RTC_YEAR]), 0, 99));
	d->month = (u8)clamp(dec(b, m[RTC_MONTH]), 1, 255);
	d->day = (u8)clamp(dec(b, m[RTC_DAY_OF_MONTH]), 1, 255);
	d->hour = (u8)dec_hour(b, m[RTC_HOURS], &ok);
	d->minute = (u8)clamp(dec(b, m[RTC_MINUTES]), 0, 255);
	d->second = (u8)clamp(dec(b, m[RTC_SECONDS]), 0, 255);
	clamp_datetime(d);
	*dow = dec(b, m[RTC_DAY_OF_WEEK]);
}

static void write_shadow(struct rtc *r, const struct rtc_datetime *d, unsigned dow)
{
	u8 b = reg_b(r);
	u8 *m = r->ram;

	m[RTC_SECONDS] = enc(b, d->second);
	m[RTC_MINUTES] = enc(b, d->minute);
	m[RTC_HOURS] = enc_hour(b, d->hour);
	m[RTC_DAY_OF_WEEK] = enc(b, dow);
	m[RTC_DAY_OF_MONTH] = enc(b, d->day);
	m[RTC_MONTH] = enc(b, d->month);
	m[RTC_YEAR] = enc(b, d->year % 100);
	m[RTC_CENTURY] = enc(b, d->year / 100 % 100);
}

/* The clock stops: its registers hold the time at t, to be read and
 * written as they are. */
static void snapshot(struct rtc *r, u64 t)
{
	u8 regs[RTC_CMOS_SIZE];

	encode_time(r, t, regs);
	r->ram[RTC_SECONDS] = regs[RTC_SECONDS];
	r->ram[RTC_MINUTES] = regs[RTC_MINUTES];
	r->ram[RTC_HOURS] = regs[RTC_HOURS];
	r->ram[RTC_DAY_OF_WEEK] = regs[RTC_DAY_OF_WEEK];
	r->ram[RTC_DAY_OF_MONTH] = regs[RTC_DAY_OF_MONTH];
	r->ram[RTC_MONTH] = regs[RTC_MONTH];
	r->ram[RTC_YEAR] = regs[RTC_YEAR];
	r->ram[RTC_CENTURY] = regs[RTC_CENTURY];
}

/* The clock runs on from what its registers hold, from the grid second
 * t is in: the next update is at the next second of the grid. */
static void rebase(struct rtc *r, u64 t)
{
	struct rtc_datetime d;
	unsigned dow, own;

	decode_shadow(r, reg_b(r), &d, &dow);
	r->base_secs = secs_of(&d);
	r->base_k = grid_k(r, t);
	own = rtc_weekday(&d);
	r->dow_adjust = (u8)(dow >= 1 && dow <= 7 ? (dow + 7 - own) % 7 : 0);
}

void rtc_now(const struct rtc *r, u64 now_ns, struct rtc_datetime *out)
{
	unsigned dow;

	if (running(r))
		datetime_of(secs_at_k(r, grid_k(r, now_ns)), out);
	else
		decode_shadow(r, reg_b(r), out, &dow);
}

/* ---------------------------------------------------------------- alarm */

/* An alarm byte: -1 for "don't care", else the value, or -2 if it can
 * never match. */
static int alarm_field(u8 b, u8 v, u32 max)
{
	u32 x = dec(b, v);

	if (v >= RTC_ALARM_DONT_CARE)
		return -1;
	return bcd_ok(b, v) && x <= max ? (int)x : -2;
}

static int alarm_hour(u8 b, u8 v)
{
	bool ok;
	u32 h;

	if (v >= RTC_ALARM_DONT_CARE)
		return -1;
	h = dec_hour(b, v, &ok);
	return ok ? (int)h : -2;
}

/* The first time of day >= from (seconds) that matches, or -1. */
static s32 alarm_from(int ah, int am, int as, u32 from)
{
	u32 h0 = from / 3600, m0 = from / 60 % 60, s0 = from % 60;

	for (u32 h = h0; h < 24; h++) {
		if (ah >= 0 && (u32)ah != h)
			continue;
		for (u32 m = h == h0 ? m0 : 0; m < 60; m++) {
			u32 s = h == h0 && m == m0 ? s0 : 0;

			if (am >= 0 && (u32)am != m)
				continue;
			if (as >= 0) {
				if ((u32)as < s)
					continue;
				s = (u32)as;
			}
			return (s32)(h * 3600 + m * 60 + s);
		}
	}
	return -1;
}

/* The first grid second after k0 whose update matches the alarm (the
 * chip compares at each update), or NEVER. */
static u64 alarm_k(const struct rtc *r, u64 k0)
{
	u8 b = reg_b(r);
	int ah = alarm_hour(b, r->ram[RTC_HOURS_ALARM]);
	int am = alarm_field(b, r->ram[RTC_MINUTES_ALARM], 59);
	int as = alarm_field(b, r->ram[RTC_SECONDS_ALARM], 59);
	u32 tod = (u32)(secs_at_k(r, k0 + 1) % SECS_PER_DAY);
	s32 t;

	if (ah == -2 || am == -2 || as == -2)
		return NEVER;
	t = alarm_from(ah, am, as, tod);
	if (t >= 0)
		return k0 + 1 + (u32)t - tod;
	t = alarm_from(ah, am, as, 0); /* tomorrow; always matches */
	return k0 + 1 + SECS_PER_DAY - tod + (u32)t;
}

/* ---------------------------------------------------------------- interrupts */

static bool irqf(u8 flags, u8 b)
{
	return ((flags & RTC_C_PF) && (b & RTC_B_PIE)) || ((flags & RTC_C_AF) && (b & RTC_B_AIE)) ||
	       ((flags & RTC_C_UF) && (b & RTC_B_UIE));
}

/* The flags events set in (a, b]. */
static u8 events(const struct rtc *r, u64 a, u64 b)
{
	u64 p = pf_period(r);
	u8 f = 0;

	if (b <= a)
		return 0;
	if (running(r) && grid_k(r, b) > grid_k(r, a)) {
		f |= RTC_C_UF;
		if (alarm_k(r, grid_k(r, a)) <= grid_k(r, b))
			f |= RTC_C_AF;
	}
	if (p && t32(r, b) / p > t32(r, a) / p)
		f |= RTC_C_PF;
	return f;
}

/* The first event after a whose flag is enabled, or 0 if none. */
static u64 first_enabled(const struct rtc *r, u64 a)
{
	u8 b = reg_b(r);
	u64 p = pf_period(r), t = NEVER, k;

	if (running(r) && (b & RTC_B_UIE))
		t = boundary_ns(r, grid_k(r, a) + 1);
	if (running(r) && (b & RTC_B_AIE)) {
		k = alarm_k(r, grid_k(r, a));
		if (k != NEVER)
			t = MIN(t, boundary_ns(r, k));
	}
	if (p && (b & RTC_B_PIE))
		t = MIN(t, t32_ns(r, (t32(r, a) / p + 1) * p));
	return t == NEVER ? 0 : t;
}

static void add_edge(struct rtc *r, u64 t)
{
	if (!r->carry)
		r->carry_ns = t;
	r->carry++;
}

/* Move what happened up to now into flags (and an IRQF rise into carry)
 * before anything changes the schedule. */
static void bank(struct rtc *r, u64 now)
{
	u64 t;

	if (now <= r->seg_ns)
		return;
	if (!irqf(r->flags, reg_b(r))) {
		t = first_enabled(r, r->seg_ns);
		if (t && t <= now)
			add_edge(r, t);
	}
	r->flags |= events(r, r->seg_ns, now);
	r->seg_ns = now;
}

u64 rtc_irq_next_ns(const struct rtc *r)
{
	if (r->carry)
		return r->carry_ns;
	if (irqf(r->flags, reg_b(r)))
		return 0; /* up until register C is read */
	return first_enabled(r, r->seg_ns);
}

unsigned rtc_irq_edges(struct rtc *r, u64 now_ns)
{
	u64 n;

	bank(r, now_ns);
	n = r->carry;
	r->carry = 0;
	return n > 0xffffffffu ? 0xffffffffu : (unsigned)n;
}

bool rtc_irq_level(const struct rtc *r, u64 now_ns)
{
	return irqf((u8)(r->flags | events(r, r->seg_ns, now_ns)), reg_b(r));
}

/* ---------------------------------------------------------------- registers */

void rtc_init(struct rtc *r, const struct rtc_datetime *boot_time, u64 now_ns)
{
	struct rtc_datetime d = *boot_time;

	memset(r, 0, sizeof(*r));
	clamp_datetime(&d);
	r->ram[RTC_REG_A] = RTC_A_POWER_ON;
	r->ram[RTC_REG_B] = RTC_B_POWER_ON;
	r->phase_ns = (u32)((NS_PER_S - now_ns % NS_PER_S) % NS_PER_S);
	r->base_secs = secs_of(&d);
	r->base_k = grid_k(r, now_ns);
	r->seg_ns = now_ns;
}

static bool is_time_reg(u8 i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || i == RTC_DAY_OF_WEEK ||
	       i == RTC_DAY_OF_MONTH || i == RTC_MONTH || i == RTC_YEAR || i == RTC_CENTURY;
}

static u8 read_reg(struct rtc *r, u8 i, u64 now)
{
	u8 regs[RTC_CMOS_SIZE], v;

	if (is_time_reg(i)) {
		if (!running(r))
			return r->ram[i];
		encode_time(r, now, regs);
		return regs[i];
	}
	switch (i) {
	case RTC_REG_A:
		v = r->ram[RTC_REG_A];
		if (running(r) && (now + r->phase_ns) % NS_PER_S >= NS_PER_S - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		/* "All flag bits are cleared after Register C is read". */
		bank(r, now);
		v = (u8)(r->flags | (irqf(r->flags, reg_b(r)) ? RTC_C_IRQF : 0));
		r->flags = 0;
		return v;
	case RTC_REG_D:
		return RTC_D_VRT; /* the battery is fine */
	default:
		return r->ram[i];
	}
}

static void write_b(struct rtc *r, u8 v, u64 now)
{
	u8 old = reg_b(r);
	bool was = running(r);
	struct rtc_datetime d;
	unsigned dow;

	bank(r, now);
	if (v & RTC_B_SET)
		v &= (u8)~RTC_B_UIE; /* SET going high clears UIE (UIE bit) */
	/* A stopped clock's registers follow a change of DM or 24/12. */
	if (!was && ((old ^ v) & (RTC_B_DM_BINARY | RTC_B_24H))) {
		decode_shadow(r, old, &d, &dow);
		r->ram[RTC_REG_B] = v;
		write_shadow(r, &d, dow);
	}
	r->ram[RTC_REG_B] = v;
	if (was && !running(r))
		snapshot(r, now);
	else if (!was && running(r))
		rebase(r, now);
	if (!irqf(r->flags, old) && irqf(r->flags, v))
		add_edge(r, now); /* an enable met a flag already set */
}

static void write_a(struct rtc *r, u8 v, u64 now)
{
	bool was = running(r), was_reset = div_reset(r);

	bank(r, now);
	r->ram[RTC_REG_A] = v & (u8)~RTC_A_UIP;
	if (was && !running(r))
		snapshot(r, now);
	if (was_reset && !div_reset(r)) {
		/* Out of reset: the divider starts again, and "the first
		 * update cycle begins one-half second later". */
		r->phase_ns = (u32)((NS_PER_S - (now + NS_PER_S / 2) % NS_PER_S) % NS_PER_S);
		if (running(r))
			rebase(r, now);
	}
}

static void write_reg(struct rtc *r, u8 i, u8 v, u64 now)
{
	if (is_time_reg(i)) {
		if (running(r)) {
			/* The clock goes on from what was written. */
			bank(r, now);
			snapshot(r, now);
			r->ram[i] = v;
			rebase(r, now);
		} else {
			r->ram[i] = v;
		}
		return;
	}
	switch (i) {
	case RTC_REG_A:
		write_a(r, v, now);
		break;
	case RTC_REG_B:
		write_b(r, v, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	case RTC_SECONDS_ALARM:
	case RTC_MINUTES_ALARM:
	case RTC_HOURS_ALARM:
		bank(r, now);
		r->ram[i] = v;
		break;
	default:
		r->ram[i] = v; /* NVRAM */
		break;
	}
}

/* Registers whose access can move IRQ 8's schedule. */
static bool moves_irq(u8 i, bool write)
{
	return i == RTC_REG_C ? !write : write && (i <= RTC_REG_B || i == RTC_CENTURY);
}

bool rtc_owns_port(u16 port, unsigned size)
{
	for (unsigned i = 0; i < size; i++) {
		u32 at = (u32)port + i;

		if (at == RTC_PORT_INDEX || at == RTC_PORT_DATA)
			return true;
	}
	return false;
}

enum rtc_io_result rtc_io(struct rtc *r, u16 port, unsigned size, bool write, u32 *value,
			  u64 now_ns)
{
	bool changed = false;

	if ((size != 1 && size != 2 && size != 4) || !rtc_owns_port(port, size))
		return RTC_NOT_MINE;
	if (!write)
		*value = 0;
	for (unsigned i = 0; i < size; i++) {
		u32 at = (u32)port + i;
		u8 b = (u8)(write ? *value >> (8 * i) : 0xff);

		if (at == RTC_PORT_INDEX && write) {
			r->index = b & (u8)~RTC_NMI_MASK;
			r->nmi_masked = b & RTC_NMI_MASK;
		} else if (at == RTC_PORT_DATA) {
			changed |= moves_irq(r->index, write);
			if (write)
				write_reg(r, r->index, b, now_ns);
			else
				b = read_reg(r, r->index, now_ns);
		}
		if (!write)
			*value |= (u32)b << (8 * i);
	}
	return changed ? RTC_IRQ_CHANGED : RTC_HANDLED;
}
