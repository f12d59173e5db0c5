/*
 * ACPI table walking: RSDP validation, XSDT/RSDT lookup by signature, and
 * the MADT's CPU, I/O APIC and interrupt source override entries. Nothing
 * else of ACPI is interpreted here.
 *
 * All references are to ACPI 6.5. Firmware data is untrusted: every length
 * is checked before the bytes it covers are read, every table's checksum is
 * verified, and multi-byte fields are read with memcpy because nothing in
 * the spec promises natural alignment (XSDT entries are 8-byte values at
 * offset 36, for one).
 */
#include <tessera/acpi.h>
#include <tessera/diag.h>
#include <tessera/string.h>
#include <tessera/types.h>
#include <tessera/unaligned.h>

/* 5.2.5.3: the ACPI 1.0 part of the RSDP that the first checksum covers. */
#define RSDP_V1_LEN 20

/* 5.2.6: every system description table starts with this 36-byte header. */
#define SDT_HEADER_LEN 36u
STATIC_ASSERT(sizeof(struct acpi_sdt_header) == SDT_HEADER_LEN, "ACPI 6.5 5.2.6");
STATIC_ASSERT(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5 5.2.5.3");

/*
 * No table we look for comes anywhere near this; a larger length is a
 * corrupt header, and believing it would make the checksum loop walk off
 * into unmapped memory.
 */
#define ACPI_MAX_TABLE_LEN (16u * 1024 * 1024)

/* 5.2.12: MADT header = SDT header + Local Interrupt Controller Address
 * (u32) + Flags (u32); the interrupt controller structures follow. */
#define MADT_HEADER_LEN 44u

/* 5.2.12, "Interrupt Controller Structure Types". */
#define MADT_LOCAL_APIC 0
#define MADT_IO_APIC 1
#define MADT_INT_SRC_OVERRIDE 2
#define MADT_LAPIC_ADDR_OVERRIDE 5
#define MADT_LOCAL_X2APIC 9

/* 5.2.12.2 "Local APIC Flags", shared by the x2APIC structure (5.2.12.12). */
#define MADT_FLAG_ENABLED (1u << 0)
#define MADT_FLAG_ONLINE_CAPABLE (1u << 1)

/* diag may be NULL for callers that only want the answer. */
#define acpi_err(d, ...)                                                                           \
	do {                                                                                       \
		if (d)                                                                             \
			diag_error(d, __VA_ARGS__);                                                \
	} while (0)
#define acpi_note(d, ...)                                                                          \
	do {                                                                                       \
		if (d)                                                                             \
			diag_note(d, __VA_ARGS__);                                                 \
	} while (0)

bool acpi_checksum_ok(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* Signatures are 4 ASCII bytes, not NUL-terminated; print them safely. */
static void sig_str(const char sig[4], char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	out[4] = '\0';
}

/*
 * 5.2.5.3: signature "RSD PTR ", checksum over the first 20 bytes, and for
 * revision >= 2 the extended checksum over the whole `length`.
 */
static const struct acpi_rsdp *rsdp_validate(hpa_t addr, struct diag *d)
{
	const struct acpi_rsdp *rsdp = hpa_to_ptr(addr);
	u32 len;

	if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0) {
		acpi_err(d, "ACPI: no RSDP signature at 0x%llx", (unsigned long long)addr);
		return NULL;
	}
	if (!acpi_checksum_ok(rsdp, RSDP_V1_LEN)) {
		acpi_err(d, "ACPI: RSDP checksum is bad");
		return NULL;
	}
	if (rsdp->revision < 2)
		return rsdp;

	len = rsdp->length;
	if (len < sizeof(*rsdp) || len > PAGE_SIZE) {
		acpi_err(d, "ACPI: RSDP length %u is implausible", len);
		return NULL;
	}
	if (!acpi_checksum_ok(rsdp, len)) {
		acpi_err(d, "ACPI: RSDP extended checksum is bad");
		return NULL;
	}
	return rsdp;
}

/*
 * A table header at addr whose length is sane and whose checksum holds
 * (5.2.6: the whole table, `length` bytes, sums to zero). `what` names the
 * table in messages.
 */
static const struct acpi_sdt_header *sdt_validate(hpa_t addr, const char *what, struct diag *d)
{
	const struct acpi_sdt_header *h = hpa_to_ptr(addr);
	char sig[5];

	sig_str(h->signature, sig);
	if (h->length < SDT_HEADER_LEN || h->length > ACPI_MAX_TABLE_LEN) {
		acpi_err(d, "ACPI: %s (\"%s\") at 0x%llx has implausible length %u", what, sig,
			 (unsigned long long)addr, h->length);
		return NULL;
	}
	if (!acpi_checksum_ok(h, h->length)) {
		acpi_err(d, "ACPI: %s (\"%s\") at 0x%llx has a bad checksum, ignored", what, sig,
			 (unsigned long long)addr);
		return NULL;
	}
	return h;
}

/* 5.2.8 (XSDT, 64-bit entries) or 5.2.7 (RSDT, 32-bit entries). */
struct root_table {
	const u8 *entries;
	size_t count;
	size_t entry_size;
};

static bool root_open(hpa_t addr, const char *name, size_t entry_size, struct root_table *rt,
		      struct diag *d)
{
	const struct acpi_sdt_header *h;

	if (addr == 0)
		return false;
	h = sdt_validate(addr, name, d);
	if (!h)
		return false;
	if (memcmp(h->signature, name, 4) != 0) {
		acpi_err(d, "ACPI: table at 0x%llx is not an %s", (unsigned long long)addr, name);
		return false;
	}
	rt->entries = (const u8 *)h + SDT_HEADER_LEN;
	rt->count = (h->length - SDT_HEADER_LEN) / entry_size;
	rt->entry_size = entry_size;
	return true;
}

/*
 * 5.2.5.3 / 5.2.8: an ACPI 2.0+ OS uses the XSDT when the RSDP has one.
 * A broken XSDT falls back to the RSDT if there is one: both list the same
 * tables, and a usable CPU list beats none.
 */
static bool root_find(const struct acpi_rsdp *rsdp, struct root_table *rt, struct diag *d)
{
	if (rsdp->revision >= 2 && rsdp->xsdt_address != 0) {
		if (root_open(rsdp->xsdt_address, "XSDT", 8, rt, d))
			return true;
		if (rsdp->rsdt_address != 0)
			acpi_note(d, "ACPI: falling back to the RSDT");
	}
	if (root_open(rsdp->rsdt_address, "RSDT", 4, rt, d))
		return true;
	acpi_err(d, "ACPI: no usable XSDT or RSDT");
	return false;
}

static hpa_t root_entry(const struct root_table *rt, size_t i)
{
	const u8 *p = rt->entries + i * rt->entry_size;

	return rt->entry_size == 8 ? rd64(p) : rd32(p);
}

const struct acpi_sdt_header *acpi_find_table(hpa_t rsdp_addr, const char sig[4], struct diag *d)
{
	const struct acpi_rsdp *rsdp;
	struct root_table rt;

	if (rsdp_addr == 0)
		return NULL;
	rsdp = rsdp_validate(rsdp_addr, d);
	if (!rsdp || !root_find(rsdp, &rt, d))
		return NULL;

	for (size_t i = 0; i < rt.count; i++) {
		hpa_t addr = root_entry(&rt, i);
		const struct acpi_sdt_header *h;

		if (addr == 0)
			continue;
		h = hpa_to_ptr(addr);
		if (memcmp(h->signature, sig, 4) != 0)
			continue;
		/* A table with a bad checksum is skipped; a later copy may be good. */
		h = sdt_validate(addr, "table", d);
		if (h)
			return h;
	}
	return NULL;
}

/* ----------------------------------------------------------------- MADT */

static bool madt_has_apic_id(const struct madt_info *m, u32 apic_id)
{
	for (unsigned i = 0; i < m->ncpus; i++)
		if (m->cpus[i].apic_id == apic_id)
			return true;
	return false;
}

static void madt_add_cpu(struct madt_info *m, u32 apic_id, u32 uid, u32 flags)
{
	struct madt_cpu *c;

	if (m->ncpus >= MAX_CPUS) {
		m->dropped++;
		return;
	}
	c = &m->cpus[m->ncpus++];
	c->apic_id = apic_id;
	c->acpi_uid = uid;
	c->enabled = flags & MADT_FLAG_ENABLED;
	/* 5.2.12.2 "Local APIC Flags": Online Capable only means something
	 * when Enabled is clear (it is reserved, zero, otherwise). */
	c->online_capable = !c->enabled && (flags & MADT_FLAG_ONLINE_CAPABLE);
}

/* Minimum length of each structure type we read; others are skipped. */
static unsigned madt_entry_min_len(u8 type)
{
	switch (type) {
	case MADT_LOCAL_APIC:
		return 8; /* 5.2.12.2 */
	case MADT_IO_APIC:
		return 12; /* 5.2.12.3 */
	case MADT_INT_SRC_OVERRIDE:
		return 10; /* 5.2.12.5 */
	case MADT_LAPIC_ADDR_OVERRIDE:
		return 12; /* 5.2.12.8 */
	case MADT_LOCAL_X2APIC:
		return 16; /* 5.2.12.12 */
	default:
		return 2; /* 5.2.12: type + length is all every entry shares */
	}
}

static void madt_entry(const u8 *e, struct madt_info *out, struct diag *d)
{
	u32 id;

	switch (e[0]) {
	case MADT_LOCAL_APIC:
		/* 5.2.12.2: +2 ACPI Processor UID u8, +3 APIC ID u8, +4 Flags u32 */
		madt_add_cpu(out, e[3], e[2], rd32(e + 4));
		break;
	case MADT_LOCAL_X2APIC:
		/* 5.2.12.12: +2 reserved u16, +4 x2APIC ID u32, +8 Flags u32,
		 * +12 ACPI Processor UID u32. Firmware may list a CPU both
		 * ways; the first entry wins. */
		id = rd32(e + 4);
		if (madt_has_apic_id(out, id)) {
			acpi_note(d, "MADT: x2APIC entry repeats APIC ID %u, ignored", id);
			break;
		}
		madt_add_cpu(out, id, rd32(e + 12), rd32(e + 8));
		break;
	case MADT_LAPIC_ADDR_OVERRIDE:
		/* 5.2.12.8: +4 Local APIC Address u64, replaces the header's. */
		out->lapic_addr64 = rd64(e + 4);
		break;
	case MADT_IO_APIC:
		/* 5.2.12.3: +2 I/O APIC ID u8, +3 reserved, +4 address u32,
		 * +8 Global System Interrupt Base u32. */
		if (out->nioapic < MADT_MAX_IOAPICS) {
			struct madt_ioapic_info *io = &out->ioapic[out->nioapic];

			io->id = e[2];
			io->address = rd32(e + 4);
			io->gsi_base = rd32(e + 8);
		}
		out->nioapic++;
		break;
	case MADT_INT_SRC_OVERRIDE:
		/* 5.2.12.5: +2 bus u8, +3 source u8, +4 GSI u32, +8 flags u16. */
		if (out->niso < MADT_MAX_ISOS) {
			struct madt_iso_info *o = &out->iso[out->niso];

			o->bus = e[2];
			o->source = e[3];
			o->gsi = rd32(e + 4);
			o->flags = rd16(e + 8);
		}
		out->niso++;
		break;
	default:
		break;
	}
}

bool madt_parse(const struct acpi_sdt_header *madt, struct madt_info *out, struct diag *d)
{
	const u8 *base = (const u8 *)madt;
	u32 len, off;

	memset(out, 0, sizeof(*out));
	len = madt->length;
	if (len < MADT_HEADER_LEN || len > ACPI_MAX_TABLE_LEN) {
		acpi_err(d, "MADT: length %u is too short or implausible", len);
		return false;
	}
	if (memcmp(madt->signature, "APIC", 4) != 0) {
		acpi_err(d, "MADT: signature is not \"APIC\"");
		return false;
	}
	if (!acpi_checksum_ok(madt, len)) {
		acpi_err(d, "MADT: bad checksum");
		return false;
	}

	/* 5.2.12: Local Interrupt Controller Address at +36, Flags at +40. */
	out->lapic_addr = rd32(base + 36);
	out->lapic_addr64 = out->lapic_addr;
	out->flags = rd32(base + 40);

	/* Every entry must advance by at least 2 bytes, so this terminates. */
	for (off = MADT_HEADER_LEN; off < len;) {
		const u8 *e = base + off;
		u8 elen;

		if (len - off < 2) {
			acpi_err(d, "MADT: truncated entry at offset %u", off);
			return false;
		}
		elen = e[1];
		if (elen < 2) {
			acpi_err(d, "MADT: entry at offset %u (type %u) has length %u", off, e[0],
				 elen);
			return false;
		}
		if (elen > len - off) {
			acpi_err(d,
				 "MADT: entry at offset %u (type %u, length %u) runs past the end",
				 off, e[0], elen);
			return false;
		}
		if (elen < madt_entry_min_len(e[0])) {
			acpi_err(d, "MADT: entry at offset %u (type %u) is %u bytes, needs %u", off,
				 e[0], elen, madt_entry_min_len(e[0]));
			return false;
		}
		madt_entry(e, out, d);
		off += elen;
	}

	if (out->dropped)
		acpi_note(d, "MADT: %u CPU entries beyond the first %u ignored", out->dropped,
			  MAX_CPUS);
	return true;
}

void madt_isa_route(const struct madt_info *madt, unsigned irq, struct isa_irq_route *out)
{
	u32 gsi = irq;
	u16 flags = 0;
	int best = -1;

	*out = (struct isa_irq_route){ 0 };
	for (unsigned i = 0; i < MIN(madt->niso, (unsigned)MADT_MAX_ISOS); i++)
		if (madt->iso[i].bus == 0 && madt->iso[i].source == irq) {
			gsi = madt->iso[i].gsi;
			flags = madt->iso[i].flags;
		}
	for (unsigned i = 0; i < MIN(madt->nioapic, (unsigned)MADT_MAX_IOAPICS); i++)
		if (madt->ioapic[i].gsi_base <= gsi &&
		    (best < 0 || madt->ioapic[i].gsi_base > madt->ioapic[best].gsi_base))
			best = (int)i;
	if (best < 0)
		return;
	out->valid = true;
	out->ioapic_addr = madt->ioapic[best].address;
	out->pin = gsi - madt->ioapic[best].gsi_base;
	/* MPS INTI flags: polarity 1:0 (3 = active low), trigger 3:2 (3 = level);
	 * 0 means "conforms to the bus": ISA is active high, edge. */
	out->active_low = (flags & 3) == 3;
	out->level = ((flags >> 2) & 3) == 3;
}
