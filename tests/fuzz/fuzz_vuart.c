/*
 * The virtual 16550 UART (hv/vuart.c).
 *
 * Input: a sequence of operations, a byte each (bits 7:6 say which),
 * some followed by operands:
 *   00xx oooo  read register o (8-15: offsets no register answers)
 *   01xx oooo  write register o; the value is the next byte
 *   10nn nnnn  the console pushes the next n bytes of the input
 *   11xx xxxx  reset
 * A model of the receive FIFO runs beside it: the bytes the UART says it
 * took are the bytes an RBR read gives back, in order; LSR.DR says
 * whether any are left; at most 64 are held, the rest counted as dropped;
 * every THR write reaches the transmit callback once; DLAB makes offsets
 * 0 and 1 the divisor latch, read back as written; IIR names an interrupt
 * exactly when vuart_irq_pending() says one is up.
 */
#include "fuzz.h"

#include <tessera/vuart.h>

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define IIR_NO_INT 0x01

static struct vuart u;
static u8 fifo[VUART_RX_FIFO];
static unsigned fifo_head, fifo_n;
static u64 txed;

static void tx(void *ctx, u8 b)
{
	(void)ctx;
	(void)b;
	txed++;
}

static void model_clear(void)
{
	fifo_head = 0;
	fifo_n = 0;
}

static void check_state(void)
{
	FUZZ_CHECK(u.rx_count == fifo_n && u.rx_count <= VUART_RX_FIFO);
	FUZZ_CHECK(u.rx_head < VUART_RX_FIFO);
	FUZZ_CHECK(u.tx_bytes == txed);
}

static void do_read(unsigned off)
{
	bool dlab = u.lcr & LCR_DLAB, pending = vuart_irq_pending(&u);
	u8 dll = u.dll, dlm = u.dlm;
	u8 v = vuart_read(&u, off);

	if (off == 0 && !dlab) {
		if (fifo_n) {
			FUZZ_CHECK(v == fifo[fifo_head]);
			fifo_head = (fifo_head + 1) % VUART_RX_FIFO;
			fifo_n--;
		}
	} else if (off == 0) {
		FUZZ_CHECK(v == dll);
	} else if (off == 1 && dlab) {
		FUZZ_CHECK(v == dlm);
	} else if (off == 2) {
		FUZZ_CHECK(((v & 0x0f) != IIR_NO_INT) == pending);
	} else if (off == 5) {
		FUZZ_CHECK(((v & LSR_DR) != 0) == (fifo_n != 0));
		FUZZ_CHECK((v & 0x60) == 0x60); /* THRE, TEMT: transmission is instant */
	} else if (off >= VUART_PORTS) {
		FUZZ_CHECK(v == 0xff);
	}
}

static void do_write(unsigned off, u8 v)
{
	bool dlab = u.lcr & LCR_DLAB;
	unsigned before = u.rx_count;

	vuart_write(&u, off, v);
	if (off == 0 && !dlab)
		FUZZ_CHECK(u.thre_pending);
	if (off == 0 && dlab)
		FUZZ_CHECK(u.dll == v);
	if (off == 2) {
		/* An FCR write may empty the receive FIFO, and nothing else. */
		FUZZ_CHECK(u.rx_count == before || u.rx_count == 0);
		if (!u.rx_count)
			model_clear();
	}
}

static void do_push(struct fuzz_in *in, unsigned n)
{
	u64 dropped = u.rx_dropped;
	size_t took;

	n = (unsigned)MIN((size_t)n, in->n);
	took = vuart_rx_push(&u, in->p, n);
	FUZZ_CHECK(took == MIN(n, VUART_RX_FIFO - fifo_n));
	FUZZ_CHECK(u.rx_dropped - dropped == n - took);
	for (size_t i = 0; i < took; i++) {
		fifo[(fifo_head + fifo_n) % VUART_RX_FIFO] = in->p[i];
		fifo_n++;
	}
	in->p += n;
	in->n -= n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);

	txed = 0;
	model_clear();
	vuart_init(&u, tx, NULL);
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);

		switch (op >> 6) {
		case 0:
			do_read(op & 15);
			break;
		case 1:
			do_write(op & 15, fuzz_u8(&in));
			break;
		case 2:
			do_push(&in, op & 63);
			break;
		default:
			vuart_reset(&u);
			model_clear();
			break;
		}
		check_state();
	}
	return 0;
}
