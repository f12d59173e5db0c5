/*
 * The virtual 8254 PIT and port 0x61 (tessera/pit.h). Mode names and
 * behaviour are the Intel 8254 data sheet's (231164), "Mode Definitions";
 * "e" is the number of input clock edges a counter has counted since its
 * count was loaded, so in modes 0, 1, 4 and 5 the counter reads n - e and
 * in mode 2 n - (e mod n). Nothing here runs per clock: every value is
 * computed from e when asked.
 */
#include <tessera/pit.h>
#include <tessera/string.h>

#define NS_PER_S 1000000000ull

/*
 * Input clocks in d ns: exactly floor(d * PIT_HZ / 10^9). d * PIT_HZ
 * would overflow 64 bits after about 4 hours, so whole seconds and the
 * rest are converted apart (the rest times PIT_HZ stays below 2^51).
 */
static u64 clocks(u64 d)
{
	return (d / NS_PER_S) * PIT_HZ + (d % NS_PER_S) * PIT_HZ / NS_PER_S;
}

/* The least d with clocks(d) >= c: ceil(c * 10^9 / PIT_HZ), split alike. */
static u64 clocks_ns(u64 c)
{
	return (c / PIT_HZ) * NS_PER_S + ((c % PIT_HZ) * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

/* A 16-bit counter counts 0-65535; in BCD it is four decades, 0-9999
 * (231164, "Control Word Format": BCD). */
static u32 modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static u32 from_bcd16(u16 v)
{
	return (u32)(v >> 12 & 15) * 1000 + (v >> 8 & 15) * 100 + (v >> 4 & 15) * 10 + (v & 15);
}

static u16 to_bcd16(u32 v)
{
	return (u16)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/*
 * The count a load puts in the counter: the count register, decoded if
 * BCD (a nibble above 9 is not BCD; its weight is kept, then the value is
 * taken modulo 10^4). A count of 0 is the largest: 2^16 in binary, 10^4
 * in BCD (231164, "Mode Definitions": the maximum count is 0).
 */
static u32 count_of(const struct pit_channel *c)
{
	u32 v = c->bcd ? from_bcd16(c->cr) % 10000 : c->cr;

	return v ? v : modulus(c);
}

/* Clocks counted at now (see struct pit_channel). */
static u64 elapsed(const struct pit_channel *c, u64 now)
{
	s64 e = c->offset;

	if (c->running && now > c->start_ns)
		e += (s64)clocks(now - c->start_ns);
	return e < 0 ? 0 : (u64)e;
}

/* The count in effect at e and the clocks into it: a count pending in
 * mode 2 or 3 takes over at switch_e. */
static void phase(const struct pit_channel *c, u64 e, u32 *n, u64 *rel)
{
	if (c->pending && e >= c->switch_e) {
		*n = c->next_n;
		*rel = e - c->switch_e;
	} else {
		*n = c->n;
		*rel = e;
	}
}

/* The time at which the counter reaches e = k; k > offset while running. */
static u64 edge_ns(const struct pit_channel *c, u64 k)
{
	return c->start_ns + clocks_ns((u64)((s64)k - c->offset));
}

/*
 * Mode 3 (231164, Mode 3: square wave): the counter is loaded with n and
 * counts down by two. With n even OUT is high for n/2 clocks and low for
 * n/2. With n odd it is high for (n + 1)/2 clocks (the first clock takes
 * one off, the others two) and low for (n - 1)/2 (the first takes three
 * off). The counter is reloaded with n at the start of each half.
 */
static u32 mode3_count(u32 n, u64 e)
{
	u32 p = (u32)(e % n);
	u32 high = (n + 1) / 2;

	if (!(n & 1))
		return p < high ? n - 2 * p : n - 2 * (p - high);
	if (p < high)
		return p ? n + 1 - 2 * p : n;
	p -= high;
	return p ? n - 1 - 2 * p : n;
}

/* What the counting element holds at now, as a binary value below the
 * modulus. */
static u32 ce_value(const struct pit_channel *c, u64 now)
{
	u32 n, m = modulus(c);
	u64 e;

	if (!c->loaded)
		return c->held;
	phase(c, elapsed(c, now), &n, &e);
	switch (c->mode) {
	case 2:
		return (n - (u32)(e % n)) % m; /* n, n-1, ..., 1, n, ... */
	case 3:
		return mode3_count(n, e) % m;
	default:
		/* Modes 0, 1, 4, 5: down from n, and on past 0: the
		 * counter wraps to its top and keeps counting (231164,
		 * Mode 0 and Mode 4). */
		return (n + m - (u32)(e % m)) % m;
	}
}

/* The counter as the CPU reads it. */
static u16 read_value(const struct pit_channel *c, u64 now)
{
	u32 v = ce_value(c, now);

	return c->bcd ? to_bcd16(v) : (u16)v;
}

static bool out_level(const struct pit_channel *c, u64 now)
{
	u32 n;
	u64 e;

	if (!c->loaded)
		return c->out_idle;
	/* Modes 2 and 3: a low GATE stops the counter and sets OUT high at
	 * once (231164, Mode 2 and Mode 3). */
	if ((c->mode == 2 || c->mode == 3) && !c->gate)
		return true;
	phase(c, elapsed(c, now), &n, &e);
	switch (c->mode) {
	case 0: /* low from the load, high at terminal count, stays high */
	case 1: /* low from the trigger until terminal count */
		return e >= n;
	case 2: /* low for the one clock the counter holds 1 */
		return n < 2 || e % n != n - 1;
	case 3:
		return e % n < (n + 1) / 2;
	default: /* 4, 5: low for the one clock after terminal count */
		return e != n;
	}
}

/*
 * Rising edges of OUT at clocks in (a, b] of one load of n. Modes 0 and
 * 1: one, at terminal count (e = n). Modes 4 and 5: one, at the end of
 * the strobe (e = n + 1). Modes 2 and 3: one at the end of every period,
 * e = n, 2n, ... (in mode 2 OUT comes back up as the count reloads; in
 * mode 3 the high half begins).
 */
static u64 seg_edges(u8 mode, u32 n, u64 a, u64 b)
{
	u64 k;

	if (b <= a)
		return 0;
	if (mode == 2 || mode == 3)
		return n < 2 ? 0 : b / n - a / n;
	k = mode >= 4 ? (u64)n + 1 : n;
	return a < k && k <= b;
}

/* The first rising edge at a clock after a, or 0 if none. */
static u64 seg_next(u8 mode, u32 n, u64 a)
{
	u64 k;

	if (mode == 2 || mode == 3)
		return n < 2 ? 0 : (a / n + 1) * n;
	k = mode >= 4 ? (u64)n + 1 : n;
	return k > a ? k : 0;
}

/* The same over the whole load, across a pending count's switch. */
static u64 ch_edges(const struct pit_channel *c, u64 a, u64 b)
{
	u64 s = c->switch_e, r = 0;

	if (!c->pending || b <= s)
		return seg_edges(c->mode, c->n, a, b);
	if (a < s)
		r = seg_edges(c->mode, c->n, a, s);
	return r + seg_edges(c->mode, c->next_n, a > s ? a - s : 0, b - s);
}

static u64 ch_next(const struct pit_channel *c, u64 a)
{
	u64 s = c->switch_e, k;

	if (!c->pending)
		return seg_next(c->mode, c->n, a);
	if (a < s) {
		k = seg_next(c->mode, c->n, a);
		if (k && k <= s)
			return k;
	}
	k = seg_next(c->mode, c->next_n, a > s ? a - s : 0);
	return k ? s + k : 0;
}

/*
 * Account for the edges up to now before anything changes the load they
 * belong to: they move to "carry", and seen_e to now.
 */
static void bank(struct pit_channel *c, u64 now)
{
	u64 e, k;

	if (!c->loaded)
		return;
	e = elapsed(c, now);
	if (e <= c->seen_e)
		return;
	k = ch_edges(c, c->seen_e, e);
	if (k) {
		if (!c->carry)
			c->carry_ns = c->running ? edge_ns(c, ch_next(c, c->seen_e)) : now;
		c->carry += k;
	}
	c->seen_e = e;
}

/* Once a pending count's period has begun, make it the load: e restarts
 * from 0 at the switch. */
static void sync(struct pit_channel *c, u64 now)
{
	if (!c->loaded || !c->pending || elapsed(c, now) < c->switch_e)
		return;
	bank(c, now);
	c->offset -= (s64)c->switch_e;
	c->seen_e -= c->switch_e;
	c->n = c->next_n;
	c->pending = false;
	c->null_count = false;
}

/* Modes 1 and 5 count once triggered; the others while GATE is high. */
static bool gate_allows(const struct pit_channel *c)
{
	return c->mode == 1 || c->mode == 5 || c->gate;
}

/* Move the count register into the counter and start counting from it. */
static void load(struct pit_channel *c, u64 now)
{
	bank(c, now);
	c->loaded = true;
	c->armed = false;
	c->pending = false;
	c->null_count = false;
	c->n = count_of(c);
	c->start_ns = now;
	c->offset = 0;
	c->seen_e = 0;
	c->running = gate_allows(c);
}

/* Stop the counter where it is (it keeps its count and OUT). */
static void unload(struct pit_channel *c, u64 now, bool out)
{
	bank(c, now);
	c->held = (u16)ce_value(c, now);
	c->loaded = false;
	c->running = false;
	c->armed = false;
	c->pending = false;
	c->out_idle = out;
}

static void set_gate(struct pit_channel *c, bool g, u64 now)
{
	if (g == c->gate)
		return;
	sync(c, now);
	bank(c, now);
	switch (c->mode) {
	case 0:
	case 4:
		/* Modes 0 and 4: GATE high enables counting, low holds it. */
		if (c->loaded && !g) {
			c->offset = (s64)elapsed(c, now);
			c->running = false;
		} else if (c->loaded) {
			c->start_ns = now;
			c->running = true;
		}
		c->gate = g;
		break;
	case 2:
	case 3:
		/* Falling: counting stops, OUT high. Rising: the counter is
		 * reloaded with the initial count and starts again. */
		if (c->loaded && !g) {
			c->offset = (s64)elapsed(c, now);
			c->running = false;
		}
		c->gate = g;
		if (c->loaded && g)
			load(c, now);
		break;
	default:
		/* Modes 1 and 5: a rising edge (re)triggers the count in the
		 * count register; the level does nothing else. */
		c->gate = g;
		if (g && (c->armed || c->loaded))
			load(c, now);
		break;
	}
}

/* The last byte of a count was written (231164, "Write Operations" and
 * each mode's "new count" rule). */
static void count_written(struct pit_channel *c, u64 now)
{
	u64 e;

	c->null_count = true;
	switch (c->mode) {
	case 0:
	case 4:
		load(c, now); /* the new count takes over at once */
		break;
	case 1:
	case 5:
		c->armed = true; /* used at the next trigger */
		break;
	default:
		/* Modes 2 and 3: a counter that is counting finishes its
		 * period first; otherwise the count starts now (and with GATE
		 * low waits for the rising edge, which reloads it). */
		if (!c->loaded || !c->running) {
			load(c, now);
			break;
		}
		if (!c->pending) {
			e = elapsed(c, now);
			c->switch_e = (e / c->n + 1) * c->n;
			c->pending = true;
		}
		c->next_n = count_of(c);
		break;
	}
}

static void write_data(struct pit_channel *c, u8 b, u64 now)
{
	switch (c->access) {
	case PIT_RW_LSB:
		c->cr = b;
		break;
	case PIT_RW_MSB:
		c->cr = (u16)(b << 8);
		break;
	default:
		if (!c->write_msb) {
			c->cr = (u16)((c->cr & 0xff00) | b);
			c->write_msb = true;
			/* Mode 0: the first byte of a two-byte count stops
			 * the counter and sets OUT low at once. */
			if (c->mode == 0)
				unload(c, now, false);
			return;
		}
		c->cr = (u16)((c->cr & 0x00ff) | (u16)(b << 8));
		c->write_msb = false;
		break;
	}
	count_written(c, now);
}

static u8 status_of(const struct pit_channel *c, u64 now)
{
	return (u8)((out_level(c, now) ? PIT_ST_OUT : 0) | (c->null_count ? PIT_ST_NULL_COUNT : 0) |
		    c->ctrl);
}

/* Counter latch command: the output latch holds the count until it is
 * read; latching again before that is ignored (231164). */
static void latch_count(struct pit_channel *c, u64 now)
{
	if (c->latch_left)
		return;
	c->latch = read_value(c, now);
	c->latch_left = c->access == PIT_RW_WORD ? 2 : 1;
}

static void latch_status(struct pit_channel *c, u64 now)
{
	if (c->status_latched)
		return;
	c->status = status_of(c, now);
	c->status_latched = true;
}

/*
 * Reads (231164, "Read Operations"): a latched status first, then a
 * latched count, then the live counter. LSB and MSB reads alternate in
 * the LSB-then-MSB format; unlatched, each byte is taken when read.
 */
static u8 read_data(struct pit_channel *c, u64 now)
{
	u16 v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		msb = c->access == PIT_RW_MSB || (c->access == PIT_RW_WORD && c->latch_left == 1);
		c->latch_left--;
		return (u8)(msb ? c->latch >> 8 : c->latch);
	}
	v = read_value(c, now);
	if (c->access == PIT_RW_WORD) {
		msb = c->read_msb;
		c->read_msb = !c->read_msb;
	} else {
		msb = c->access == PIT_RW_MSB;
	}
	return (u8)(msb ? v >> 8 : v);
}

/* A control word for one counter: it stops the counter, sets its mode
 * and OUT's initial level (low in mode 0, high in the others), and the
 * next write starts a new count (231164, "Write Operations"). */
static void control(struct pit_channel *c, u8 v, u64 now)
{
	u8 mode = (v >> PIT_CW_MODE_SHIFT) & 7;

	unload(c, now, mode != 0);
	c->ctrl = v & 0x3f;
	c->mode = mode > 5 ? mode - 4 : mode;
	c->access = (v >> PIT_CW_RW_SHIFT) & 3;
	c->bcd = v & PIT_CW_BCD;
	c->write_msb = false;
	c->read_msb = false;
	c->latch_left = 0;
	c->status_latched = false;
	c->null_count = true;
}

static bool write_ctrl(struct pit *p, u8 v, u64 now)
{
	unsigned sc = v >> PIT_CW_SC_SHIFT;

	if (sc == 3) {
		/* Read-back: latch the count and/or status of each counter
		 * selected in bits 3:1. */
		for (unsigned i = 0; i < PIT_CHANNELS; i++) {
			if (!(v & PIT_RB_CNT(i)))
				continue;
			if (!(v & PIT_RB_NOT_COUNT))
				latch_count(&p->ch[i], now);
			if (!(v & PIT_RB_NOT_STATUS))
				latch_status(&p->ch[i], now);
		}
		return false;
	}
	if (((v >> PIT_CW_RW_SHIFT) & 3) == PIT_RW_LATCH) {
		latch_count(&p->ch[sc], now);
		return false;
	}
	control(&p->ch[sc], v, now);
	return sc == 0;
}

void pit_reset(struct pit *p, u64 now_ns)
{
	memset(p, 0, sizeof(*p));
	p->epoch_ns = now_ns;
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		struct pit_channel *c = &p->ch[i];

		c->ctrl = PIT_RW_WORD << PIT_CW_RW_SHIFT;
		c->access = PIT_RW_WORD;
		c->gate = i != 2; /* counters 0 and 1: tied high */
		c->null_count = true;
	}
}

static bool owns_byte(u32 port)
{
	return (port >= PIT_PORT_CH0 && port <= PIT_PORT_CTRL) || port == PIT_PORT_61;
}

bool pit_owns_port(u16 port, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		if (owns_byte((u32)port + i))
			return true;
	return false;
}

static u8 read_61(const struct pit *p, u64 now)
{
	u64 t = now > p->epoch_ns ? clocks(now - p->epoch_ns) : 0;
	u8 v = p->port61;

	if ((t / PIT_REFRESH_CLOCKS) & 1)
		v |= PIT_61_REFRESH;
	if (out_level(&p->ch[2], now))
		v |= PIT_61_OUT2;
	return v;
}

static u8 read_byte(struct pit *p, u32 port, u64 now)
{
	if (port >= PIT_PORT_CH0 && port <= PIT_PORT_CH2)
		return read_data(&p->ch[port - PIT_PORT_CH0], now);
	if (port == PIT_PORT_61)
		return read_61(p, now);
	return 0xff; /* 0x43 is write-only; other bytes: no device */
}

/* Returns true if counter 0's programming changed. */
static bool write_byte(struct pit *p, u32 port, u8 b, u64 now)
{
	if (port >= PIT_PORT_CH0 && port <= PIT_PORT_CH2) {
		write_data(&p->ch[port - PIT_PORT_CH0], b, now);
		return port == PIT_PORT_CH0;
	}
	if (port == PIT_PORT_CTRL)
		return write_ctrl(p, b, now);
	if (port == PIT_PORT_61) {
		p->port61 = b & PIT_61_WRITABLE;
		set_gate(&p->ch[2], b & PIT_61_GATE2, now);
	}
	return false;
}

enum pit_io_result pit_io(struct pit *p, u16 port, unsigned size, bool write, u32 *value,
			  u64 now_ns)
{
	bool changed = false;

	if ((size != 1 && size != 2 && size != 4) || !pit_owns_port(port, size))
		return PIT_NOT_MINE;
	for (unsigned i = 0; i < PIT_CHANNELS; i++)
		sync(&p->ch[i], now_ns);
	if (!write)
		*value = 0;
	for (unsigned i = 0; i < size; i++) {
		u32 at = (u32)port + i;

		if (!write)
			*value |= (u32)read_byte(p, at, now_ns) << (8 * i);
		else if (owns_byte(at) && write_byte(p, at, (u8)(*value >> (8 * i)), now_ns))
			changed = true;
	}
	return changed ? PIT_IRQ0_CHANGED : PIT_HANDLED;
}

u64 pit_irq0_next_ns(const struct pit *p)
{
	const struct pit_channel *c = &p->ch[0];
	u64 k;

	if (c->carry)
		return c->carry_ns;
	if (!c->loaded || !c->running)
		return 0;
	k = ch_next(c, c->seen_e);
	return k ? edge_ns(c, k) : 0;
}

unsigned pit_irq0_edges(struct pit *p, u64 now_ns)
{
	struct pit_channel *c = &p->ch[0];
	u64 r;

	sync(c, now_ns);
	bank(c, now_ns);
	r = c->carry;
	c->carry = 0;
	return r > 0xffffffffu ? 0xffffffffu : (unsigned)r;
}

bool pit_out(const struct pit *p, unsigned ch, u64 now_ns)
{
	return ch < PIT_CHANNELS && out_level(&p->ch[ch], now_ns);
}
