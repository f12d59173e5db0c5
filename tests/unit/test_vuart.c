/*
 * Unit tests for hv/vuart.c, the virtual PC16550D: the register map with
 * DLAB switching, the receive FIFO (fill, overflow, drain, FCR clears),
 * IIR priorities and the THRE interrupt's arming and clearing, the
 * interrupt line, and the register sequences real drivers use: a polled
 * putc, Linux's 8250 probe (autoconfig, autoconfig_16550a, the startup
 * THRE test) and an interrupt-driven transmit and receive.
 */
#include "unit.h"

#include <tessera/vuart.h>

/* Offsets (PC16550D Table II). */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2,
       LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01

struct sink {
	u8 buf[512];
	size_t n;
	void *ctx_seen;
};

static void sink_tx(void *ctx, u8 byte)
{
	struct sink *s = ctx;

	s->ctx_seen = ctx;
	assert_true(s->n < sizeof(s->buf));
	s->buf[s->n++] = byte;
}

static void push_str(struct vuart *u, const char *s)
{
	assert_int_equal(vuart_rx_push(u, (const u8 *)s, strlen(s)), strlen(s));
}

static void test_reset_state(void **state)
{
	static struct sink s;
	struct vuart u;

	(void)state;
	memset(&u, 0x5a, sizeof(u));
	vuart_init(&u, sink_tx, &s);
	assert_int_equal(vuart_read(&u, LCR), 0x03); /* 8N1 */
	assert_int_equal(vuart_read(&u, IER), 0);
	assert_int_equal(vuart_read(&u, IIR), IIR_NO_INT); /* 16450 mode */
	assert_int_equal(vuart_read(&u, MCR), 0);
	assert_int_equal(vuart_read(&u, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(vuart_read(&u, MSR), 0xb0); /* DCD, DSR, CTS; no deltas */
	assert_int_equal(vuart_read(&u, SCR), 0);
	assert_int_equal(vuart_read(&u, RBR), 0); /* empty FIFO */
	assert_false(vuart_irq_pending(&u));
	assert_int_equal(u.tx_bytes, 0);
	assert_int_equal(u.rx_bytes, 0);
	assert_int_equal(u.rx_dropped, 0);

	vuart_write(&u, LCR, 0x03 | LCR_DLAB);
	assert_int_equal(vuart_read(&u, DLL), 1); /* 115200 baud */
	assert_int_equal(vuart_read(&u, DLM), 0);
}

/* The loop every early console has: wait for THRE, write THR. */
static void polled_putc(struct vuart *u, u8 c)
{
	int spins = 0;

	while (!(vuart_read(u, LSR) & LSR_THRE))
		assert_true(++spins < 1000);
	vuart_write(u, THR, c);
}

static void test_polled_output(void **state)
{
	static struct sink s;
	struct vuart u;
	const char *msg = "Hello from a guest\r\n";

	(void)state;
	memset(&s, 0, sizeof(s));
	vuart_init(&u, sink_tx, &s);
	/* Typical init: 8N1 at 115200 through the divisor latch, FIFOs on,
	 * DTR|RTS, interrupts off. */
	vuart_write(&u, IER, 0);
	vuart_write(&u, LCR, LCR_DLAB);
	vuart_write(&u, DLL, 1);
	vuart_write(&u, DLM, 0);
	vuart_write(&u, LCR, 0x03);
	vuart_write(&u, FCR, 0xc7);
	vuart_write(&u, MCR, 0x03);
	for (const char *p = msg; *p; p++)
		polled_putc(&u, (u8)*p);
	assert_int_equal(s.n, strlen(msg));
	assert_memory_equal(s.buf, msg, s.n);
	assert_ptr_equal(s.ctx_seen, &s);
	assert_int_equal(u.tx_bytes, strlen(msg));
	/* Still instantly empty, and no interrupt with IER off. */
	assert_int_equal(vuart_read(&u, LSR), LSR_THRE | LSR_TEMT);
	assert_false(vuart_irq_pending(&u));
}

static void test_tx_without_sink(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, NULL, NULL);
	vuart_write(&u, THR, 'x');
	vuart_write(&u, THR, 'y');
	assert_int_equal(u.tx_bytes, 2);
}

static void test_dlab_switching(void **state)
{
	static struct sink s;
	struct vuart u;

	(void)state;
	memset(&s, 0, sizeof(s));
	vuart_init(&u, sink_tx, &s);
	vuart_write(&u, IER, 0x05);
	push_str(&u, "Q");

	/* DLAB=1: offsets 0 and 1 are the divisor latch (9600 baud = 12). */
	vuart_write(&u, LCR, 0x1b | LCR_DLAB); /* 8E1 + DLAB */
	vuart_write(&u, DLL, 0x0c);
	vuart_write(&u, DLM, 0x00);
	assert_int_equal(vuart_read(&u, DLL), 0x0c);
	assert_int_equal(vuart_read(&u, DLM), 0x00);
	vuart_write(&u, DLM, 0x12);
	assert_int_equal(vuart_read(&u, DLM), 0x12);
	assert_int_equal(vuart_read(&u, LCR), 0x1b | LCR_DLAB);
	assert_int_equal(s.n, 0);              /* DLL write was not THR */
	assert_int_equal(u.rx_count, 1);       /* DLL read did not pop RBR */
	assert_int_equal(u.ier, 0x05);         /* DLM write was not IER */
	/* Offsets 2..7 do not depend on DLAB. */
	vuart_write(&u, SCR, 0x77);
	assert_int_equal(vuart_read(&u, SCR), 0x77);
	assert_int_equal(vuart_read(&u, LSR), LSR_THRE | LSR_TEMT | LSR_DR);

	/* DLAB=0: THR/RBR and IER again, the latch kept. */
	vuart_write(&u, LCR, 0x1b);
	assert_int_equal(vuart_read(&u, IER), 0x05);
	assert_int_equal(vuart_read(&u, RBR), 'Q');
	vuart_write(&u, THR, 'Z');
	assert_int_equal(s.n, 1);
	assert_int_equal(s.buf[0], 'Z');
	vuart_write(&u, IER, 0x00);
	vuart_write(&u, LCR, 0x1b | LCR_DLAB);
	assert_int_equal(vuart_read(&u, DLL), 0x0c);
	assert_int_equal(vuart_read(&u, DLM), 0x12);
}

static void test_register_masks_and_readonly(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, NULL, NULL);
	/* IER: bits 4-7 always 0. MCR: bits 5-7 always 0. */
	vuart_write(&u, IER, 0xff);
	assert_int_equal(vuart_read(&u, IER), 0x0f);
	vuart_write(&u, MCR, 0xff);
	assert_int_equal(vuart_read(&u, MCR), 0x1f);
	/* LCR: all 8 bits. */
	vuart_write(&u, LCR, 0x7f);
	assert_int_equal(vuart_read(&u, LCR), 0x7f);
	/* LSR and MSR ignore writes. */
	vuart_write(&u, LSR, 0x00);
	vuart_write(&u, MSR, 0x0f);
	assert_int_equal(vuart_read(&u, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(vuart_read(&u, MSR), 0xb0);
	/* Nothing past offset 7. */
	vuart_write(&u, 8, 0x12);
	assert_int_equal(vuart_read(&u, 8), 0xff);
	assert_int_equal(vuart_read(&u, 1000), 0xff);
	assert_int_equal(u.tx_bytes, 0);
}

static void test_scratch(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, NULL, NULL);
	for (unsigned v = 0; v < 256; v++) {
		vuart_write(&u, SCR, (u8)v);
		assert_int_equal(vuart_read(&u, SCR), v);
	}
	/* Its own register: nothing else moved. */
	assert_int_equal(vuart_read(&u, LCR), 0x03);
	assert_int_equal(vuart_read(&u, IER), 0);
	assert_int_equal(u.tx_bytes, 0);
}

static void test_fifo_fill_overflow_drain(void **state)
{
	struct vuart u;
	u8 data[VUART_RX_FIFO + 10];

	(void)state;
	vuart_init(&u, NULL, NULL);
	vuart_write(&u, FCR, 0x01);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (u8)(0x80 + i);

	assert_int_equal(vuart_rx_push(&u, data, 40), 40);
	assert_int_equal(vuart_rx_push(&u, data + 40, sizeof(data) - 40), VUART_RX_FIFO - 40);
	assert_int_equal(u.rx_count, VUART_RX_FIFO);
	assert_int_equal(u.rx_bytes, VUART_RX_FIFO);
	assert_int_equal(u.rx_dropped, sizeof(data) - VUART_RX_FIFO);
	/* Full: everything more is dropped and counted. */
	assert_int_equal(vuart_rx_push(&u, data, 3), 0);
	assert_int_equal(u.rx_dropped, sizeof(data) - VUART_RX_FIFO + 3);
	assert_int_equal(vuart_rx_push(&u, data, 0), 0);

	/* Drain in order; DR clears with the last byte. */
	for (unsigned i = 0; i < VUART_RX_FIFO; i++) {
		assert_int_equal(vuart_read(&u, LSR) & LSR_DR, LSR_DR);
		assert_int_equal(vuart_read(&u, RBR), data[i]);
	}
	assert_int_equal(vuart_read(&u, LSR) & LSR_DR, 0);
	assert_int_equal(vuart_read(&u, RBR), 0);
	assert_int_equal(u.rx_count, 0);

	/* Wrap around the FIFO's end: order survives. */
	for (unsigned round = 0; round < 5; round++) {
		u8 chunk[50];

		for (unsigned i = 0; i < sizeof(chunk); i++)
			chunk[i] = (u8)(round * 50 + i);
		assert_int_equal(vuart_rx_push(&u, chunk, sizeof(chunk)), sizeof(chunk));
		for (unsigned i = 0; i < sizeof(chunk); i++)
			assert_int_equal(vuart_read(&u, RBR), chunk[i]);
	}
	assert_int_equal(u.rx_bytes, VUART_RX_FIFO + 250);
}

static void test_fcr(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, NULL, NULL);
	push_str(&u, "abc");
	/* Enabling the FIFOs (16450 -> FIFO mode) clears them. */
	vuart_write(&u, FCR, 0x01);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
	assert_int_equal(u.rx_count, 0);

	push_str(&u, "abc");
	vuart_write(&u, FCR, 0x81); /* trigger level: no clear */
	assert_int_equal(u.rx_count, 3);
	vuart_write(&u, FCR, 0x05); /* XMIT FIFO reset only */
	assert_int_equal(u.rx_count, 3);
	vuart_write(&u, FCR, 0x03); /* RCVR FIFO reset */
	assert_int_equal(u.rx_count, 0);
	assert_int_equal(vuart_read(&u, LSR) & LSR_DR, 0);
	assert_int_equal(vuart_read(&u, RBR), 0);
	assert_int_equal(vuart_read(&u, IIR), 0xc1); /* still in FIFO mode */

	/* The FIFO works after a clear. */
	push_str(&u, "z");
	assert_int_equal(vuart_read(&u, RBR), 'z');

	/* Back to the 16450 mode: IIR bits 7:6 clear, FIFO cleared. */
	push_str(&u, "q");
	vuart_write(&u, FCR, 0x00);
	assert_int_equal(vuart_read(&u, IIR), IIR_NO_INT);
	assert_int_equal(u.rx_count, 0);
	/* RCVR reset with FCR0 = 0 still empties it. */
	push_str(&u, "q");
	vuart_write(&u, FCR, 0x02);
	assert_int_equal(u.rx_count, 0);
	assert_int_equal(vuart_read(&u, IIR), IIR_NO_INT);
}

static void test_iir_priorities_and_thre(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, NULL, NULL);
	vuart_write(&u, FCR, 0x07);

	/* Enabling ETBEI raises THRE at once: the transmitter is empty. */
	vuart_write(&u, IER, IER_THRI);
	assert_true(u.thre_pending);
	assert_true(vuart_irq_pending(&u));
	/* Reading IIR that reports THRE clears it. */
	assert_int_equal(vuart_read(&u, IIR), 0xc2);
	assert_false(u.thre_pending);
	assert_false(vuart_irq_pending(&u));
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
	/* Rewriting IER with ETBEI already set is no new edge. */
	vuart_write(&u, IER, IER_THRI);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
	/* Writing THR re-arms it. */
	vuart_write(&u, THR, 'a');
	assert_int_equal(vuart_read(&u, IIR), 0xc2);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);

	/* RX data outranks THRE; reading IIR then leaves THRE pending. */
	vuart_write(&u, IER, IER_RDI | IER_THRI);
	vuart_write(&u, THR, 'b');
	push_str(&u, "xy");
	assert_int_equal(vuart_read(&u, IIR), 0xc4);
	assert_int_equal(vuart_read(&u, IIR), 0xc4);
	assert_true(u.thre_pending);
	assert_int_equal(vuart_read(&u, RBR), 'x');
	assert_int_equal(vuart_read(&u, IIR), 0xc4);
	assert_int_equal(vuart_read(&u, RBR), 'y');
	/* Data gone: THRE shows, and is cleared by this read. */
	assert_int_equal(vuart_read(&u, IIR), 0xc2);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);

	/* Enables gate each source. */
	push_str(&u, "d");
	vuart_write(&u, IER, IER_THRI); /* ETBEI kept set: no edge */
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
	vuart_write(&u, THR, 'c');
	assert_int_equal(vuart_read(&u, IIR), 0xc2); /* data present, ERBFI off */
	vuart_write(&u, IER, IER_RDI);
	assert_int_equal(vuart_read(&u, IIR), 0xc4);
	vuart_write(&u, IER, 0);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);

	/* Without FIFOs the same IDs, bits 7:6 clear. */
	vuart_write(&u, FCR, 0x00);
	push_str(&u, "e");
	vuart_write(&u, IER, IER_RDI | IER_THRI);
	assert_int_equal(vuart_read(&u, IIR), 0x04);
	(void)vuart_read(&u, RBR);
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_int_equal(vuart_read(&u, IIR), 0x01);

	/* ELSI and EDSSI alone never raise anything. */
	push_str(&u, "f");
	vuart_write(&u, THR, 'g');
	vuart_write(&u, IER, 0x0c);
	assert_false(vuart_irq_pending(&u));
	assert_int_equal(vuart_read(&u, IIR), 0x01);
}

static void test_irq_pending(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, NULL, NULL);
	assert_false(vuart_irq_pending(&u));

	/* RX: needs ERBFI and data. */
	push_str(&u, "a");
	assert_false(vuart_irq_pending(&u));
	vuart_write(&u, IER, IER_RDI);
	assert_true(vuart_irq_pending(&u));
	(void)vuart_read(&u, RBR);
	assert_false(vuart_irq_pending(&u));
	push_str(&u, "b");
	assert_true(vuart_irq_pending(&u));
	vuart_write(&u, IER, 0);
	assert_false(vuart_irq_pending(&u));
	(void)vuart_read(&u, RBR);

	/* THRE: needs ETBEI and an armed interrupt. THR writes with ETBEI
	 * off arm it, and it shows once ETBEI is on. */
	vuart_write(&u, THR, 'x');
	assert_false(vuart_irq_pending(&u));
	vuart_write(&u, IER, IER_THRI);
	assert_true(vuart_irq_pending(&u));
	(void)vuart_read(&u, IIR);
	assert_false(vuart_irq_pending(&u));
	/* Disabling ETBEI drops it; enabling again raises it anew. */
	vuart_write(&u, THR, 'y');
	vuart_write(&u, IER, 0);
	assert_false(u.thre_pending);
	assert_false(vuart_irq_pending(&u));
	vuart_write(&u, IER, IER_THRI);
	assert_true(vuart_irq_pending(&u));

	/* Both. */
	vuart_write(&u, IER, IER_RDI | IER_THRI);
	push_str(&u, "c");
	assert_true(vuart_irq_pending(&u));
	(void)vuart_read(&u, RBR);
	assert_true(vuart_irq_pending(&u)); /* THRE still armed */
	(void)vuart_read(&u, IIR);
	assert_false(vuart_irq_pending(&u));

	/* Reading IIR has no effect on the line with DLAB set either way:
	 * offset 2 is not behind the latch. */
	vuart_write(&u, THR, 'z');
	vuart_write(&u, LCR, 0x83);
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_false(vuart_irq_pending(&u));
}

static void test_reset_keeps_sink_and_counters(void **state)
{
	static struct sink s;
	struct vuart u;

	(void)state;
	memset(&s, 0, sizeof(s));
	vuart_init(&u, sink_tx, &s);
	vuart_write(&u, THR, '1');
	vuart_write(&u, LCR, 0x80);
	vuart_write(&u, DLL, 0x30);
	vuart_write(&u, LCR, 0x1f);
	vuart_write(&u, IER, 0x0f);
	vuart_write(&u, MCR, 0x0b);
	vuart_write(&u, FCR, 0xc1);
	vuart_write(&u, SCR, 0x99);
	push_str(&u, "pending");
	vuart_reset(&u);
	assert_int_equal(vuart_read(&u, LCR), 0x03);
	assert_int_equal(vuart_read(&u, IER), 0);
	assert_int_equal(vuart_read(&u, MCR), 0);
	assert_int_equal(vuart_read(&u, SCR), 0);
	assert_int_equal(vuart_read(&u, IIR), IIR_NO_INT);
	assert_int_equal(vuart_read(&u, LSR), LSR_THRE | LSR_TEMT);
	assert_false(vuart_irq_pending(&u));
	vuart_write(&u, LCR, 0x83);
	assert_int_equal(vuart_read(&u, DLL), 1);
	vuart_write(&u, LCR, 0x03);
	vuart_write(&u, THR, '2');
	assert_int_equal(s.n, 2);
	assert_int_equal(u.tx_bytes, 2);
	assert_int_equal(u.rx_bytes, 7);
}

/*
 * Linux's 8250 driver meeting the port at 0x3f8 (drivers/tty/serial/
 * 8250/8250_port.c, autoconfig() and autoconfig_16550a(), then
 * serial8250_do_startup()). COM1 carries UPF_SKIP_TEST, so the MCR
 * loopback test is skipped. The driver must conclude: a UART is there,
 * it is a plain 16550A (no EFR, not NS, not a 16750, not XScale), and it
 * re-asserts THRE (no UART_BUG_THRE).
 */
static void test_linux_8250_probe(void **state)
{
	static struct sink s;
	struct vuart u;
	u8 scratch, scratch2, scratch3, save_mcr, save_lcr, status1, status2, iir1, iir;

	(void)state;
	memset(&s, 0, sizeof(s));
	vuart_init(&u, sink_tx, &s);
	push_str(&u, "typed early"); /* console input before the driver */

	/* autoconfig(): is anything there? IER must take 0 and 0x0f. */
	scratch = vuart_read(&u, IER);
	vuart_write(&u, IER, 0);
	scratch2 = vuart_read(&u, IER) & 0x0f;
	vuart_write(&u, IER, 0x0f);
	scratch3 = vuart_read(&u, IER) & 0x0f;
	vuart_write(&u, IER, scratch);
	assert_int_equal(scratch2, 0);
	assert_int_equal(scratch3, 0x0f);

	save_mcr = vuart_read(&u, MCR);
	save_lcr = vuart_read(&u, LCR);
	/* UART_LCR_CONF_MODE_B, clear EFR (offset 2: FCR here), LCR 0. */
	vuart_write(&u, LCR, 0xbf);
	vuart_write(&u, FCR, 0);
	vuart_write(&u, LCR, 0);
	vuart_write(&u, FCR, 0x01); /* UART_FCR_ENABLE_FIFO */
	scratch = vuart_read(&u, IIR);
	assert_int_equal(scratch >> 6, 3); /* -> autoconfig_16550a() */

	/* autoconfig_16550a(): EFR probes. Offset 2 with DLAB reads IIR,
	 * never 0, so no ST16C650V1 and no 16650. */
	vuart_write(&u, LCR, 0x80); /* UART_LCR_CONF_MODE_A */
	assert_int_not_equal(vuart_read(&u, IIR), 0);
	vuart_write(&u, LCR, 0xbf);
	assert_int_not_equal(vuart_read(&u, IIR), 0);

	/* National SuperIO: EXCR1 at offset 2 with LCR 0xe0 must not
	 * follow MCR's LOOP bit. */
	vuart_write(&u, LCR, 0);
	status1 = vuart_read(&u, MCR);
	vuart_write(&u, LCR, 0xe0);
	status2 = vuart_read(&u, IIR);
	assert_int_equal((status2 ^ status1) & 0x10, 0);
	vuart_write(&u, LCR, 0);
	vuart_write(&u, MCR, status1 ^ 0x10);
	vuart_write(&u, LCR, 0xe0);
	status2 = vuart_read(&u, IIR);
	vuart_write(&u, LCR, 0);
	vuart_write(&u, MCR, status1);
	assert_int_equal((status2 ^ status1) & 0x10, 0); /* not NS16550 */

	/* TI16750: IIR bit 5 with UART_FCR7_64BYTE must stay clear. */
	vuart_write(&u, LCR, 0);
	vuart_write(&u, FCR, 0x01 | 0x20);
	status1 = vuart_read(&u, IIR) & (0x20 | 0xc0);
	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, LCR, 0x80);
	vuart_write(&u, FCR, 0x01 | 0x20);
	status2 = vuart_read(&u, IIR) & (0x20 | 0xc0);
	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, LCR, 0);
	assert_int_equal(status1, 0xc0);
	assert_int_equal(status2, 0xc0); /* not 0xe0: no 16750 */

	/* XScale: IER bit 6 (UUE) must not stick. */
	iir = vuart_read(&u, IER);
	vuart_write(&u, IER, iir | 0x40);
	assert_int_equal(vuart_read(&u, IER) & 0x40, 0);
	vuart_write(&u, IER, iir);

	/* Back in autoconfig(): restore and reset the UART. */
	vuart_write(&u, LCR, save_lcr);
	vuart_write(&u, MCR, save_mcr);
	vuart_write(&u, FCR, 0x01);             /* serial8250_clear_fifos() */
	vuart_write(&u, FCR, 0x01 | 0x02 | 0x04);
	vuart_write(&u, FCR, 0);
	(void)vuart_read(&u, RBR);
	vuart_write(&u, IER, 0);                /* serial8250_clear_IER() */

	/* serial8250_do_startup(): FIFOs on for a 16550A, clear, read the
	 * status registers, check LSR is not 0xff (no UART there). */
	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, FCR, 0x07);
	vuart_write(&u, FCR, 0);
	vuart_write(&u, FCR, 0xc1);             /* UART_FCR_R_TRIG_11 | ENABLE */
	(void)vuart_read(&u, LSR);
	(void)vuart_read(&u, RBR);
	(void)vuart_read(&u, IIR);
	(void)vuart_read(&u, MSR);
	assert_int_not_equal(vuart_read(&u, LSR), 0xff);
	vuart_write(&u, LCR, 0x03);             /* UART_LCR_WLEN8 */
	vuart_write(&u, MCR, 0x0b);             /* DTR | RTS | OUT2 */

	/* The THRE test: enabling THRI must raise THRE; once IIR cleared it,
	 * disabling and re-enabling THRI must raise it again. */
	assert_true(vuart_read(&u, LSR) & LSR_THRE);
	vuart_write(&u, IER, IER_THRI);
	iir1 = vuart_read(&u, IIR);
	vuart_write(&u, IER, 0);
	vuart_write(&u, IER, IER_THRI);
	iir = vuart_read(&u, IIR);
	vuart_write(&u, IER, 0);
	assert_int_equal(iir1 & IIR_NO_INT, 0);
	assert_int_equal(iir & IIR_NO_INT, 0);  /* no UART_BUG_THRE */

	/* Then the driver enables receive interrupts and runs. */
	(void)vuart_read(&u, LSR);
	(void)vuart_read(&u, RBR);
	(void)vuart_read(&u, IIR);
	(void)vuart_read(&u, MSR);
	vuart_write(&u, IER, IER_RDI | 0x04);
	assert_false(vuart_irq_pending(&u));

	assert_int_equal(s.n, 0); /* the probe transmitted nothing */
	assert_int_equal(u.tx_bytes, 0);
	assert_int_equal(vuart_read(&u, LCR), 0x03);
	assert_int_equal(vuart_read(&u, MCR), 0x0b);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
}

/* Interrupt-driven use, the way an 8250 interrupt handler works it:
 * IIR, then LSR DR to drain RBR, then THRE to fill THR. */
static void test_interrupt_driven_io(void **state)
{
	static struct sink s;
	struct vuart u;
	const char *out = "console output longer than one FIFO load\n";
	const char *p = out;
	char in[32];
	size_t nin = 0;
	int rounds = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	vuart_init(&u, sink_tx, &s);
	vuart_write(&u, FCR, 0xc7);
	vuart_write(&u, IER, IER_RDI);
	push_str(&u, "ls -l\r");
	vuart_write(&u, IER, IER_RDI | IER_THRI); /* start_tx */

	while (vuart_irq_pending(&u)) {
		u8 iir = vuart_read(&u, IIR), lsr;

		assert_true(++rounds < 50);
		assert_int_equal(iir & IIR_NO_INT, 0);
		lsr = vuart_read(&u, LSR);
		while (lsr & LSR_DR) {
			assert_true(nin < sizeof(in));
			in[nin++] = (char)vuart_read(&u, RBR);
			lsr = vuart_read(&u, LSR);
		}
		if ((lsr & LSR_THRE) && (u.ier & IER_THRI)) {
			for (int k = 0; k < 16 && *p; k++)
				vuart_write(&u, THR, (u8)*p++);
			if (!*p)
				vuart_write(&u, IER, IER_RDI); /* stop_tx */
		}
	}
	assert_int_equal(nin, 6);
	assert_memory_equal(in, "ls -l\r", 6);
	assert_int_equal(s.n, strlen(out));
	assert_memory_equal(s.buf, out, s.n);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_polled_output),
		cmocka_unit_test(test_tx_without_sink),
		cmocka_unit_test(test_dlab_switching),
		cmocka_unit_test(test_register_masks_and_readonly),
		cmocka_unit_test(test_scratch),
		cmocka_unit_test(test_fifo_fill_overflow_drain),
		cmocka_unit_test(test_fcr),
		cmocka_unit_test(test_iir_priorities_and_thre),
		cmocka_unit_test(test_irq_pending),
		cmocka_unit_test(test_reset_keeps_sink_and_counters),
		cmocka_unit_test(test_linux_8250_probe),
		cmocka_unit_test(test_interrupt_driven_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
