/*
 * The virtual 16550 UART declared in <tessera/vuart.h>.
 *
 * Register names and bits follow the National Semiconductor PC16550D data
 * sheet: Table II (register summary) for the map, and the register
 * descriptions for IER, IIR, FCR, LCR, MCR, LSR and MSR. The model is a
 * UART whose transmitter is infinitely fast and whose receiver is fed by
 * the management console:
 *
 *  - THR: every byte written goes straight to tx(); the holding register
 *    and the shift register are therefore always empty again (LSR THRE and
 *    TEMT always 1), and each write re-arms the THRE interrupt.
 *  - RBR: reads pop the receive FIFO (VUART_RX_FIFO bytes). The FIFO is
 *    used in the 16450 mode too (FCR0 = 0), where the real chip holds a
 *    single byte: a virtual device has no reason to lose input there.
 *  - Interrupts: "received data available" is reported whenever the FIFO
 *    holds data (no trigger levels and no character timeout, ID 0xC: a
 *    driver handles both the same way); receiver line status and modem
 *    status interrupts never occur (no line errors, no modem deltas).
 *  - MCR loopback (MCR4) is stored but not modelled, per the header.
 */
#include <tessera/vuart.h>

/* Register offsets (Table II). DLAB is LCR bit 7. */
#define REG_RBR_THR_DLL 0 /* DLAB=0: RBR (read) / THR (write); DLAB=1: DLL */
#define REG_IER_DLM 1     /* DLAB=0: IER; DLAB=1: DLM */
#define REG_IIR_FCR 2     /* IIR (read) / FCR (write) */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

/* IER: Interrupt Enable Register. Bits 4-7 are always 0. */
#define IER_ERBFI 0x01 /* Enable Received Data Available Interrupt */
#define IER_ETBEI 0x02 /* Enable Transmitter Holding Register Empty Interrupt */
#define IER_ELSI 0x04  /* Enable Receiver Line Status Interrupt */
#define IER_EDSSI 0x08 /* Enable MODEM Status Interrupt */
#define IER_MASK 0x0f

/* IIR: Interrupt Identification Register. Bit 0 is 0 when an interrupt is
 * pending; bits 1-3 identify the highest-priority one; bits 6-7 are set
 * when FCR0 = 1 (FIFO mode). */
#define IIR_NO_INT 0x01
#define IIR_RDA 0x04  /* received data available (2nd priority) */
#define IIR_THRE 0x02 /* transmitter holding register empty (3rd priority) */
#define IIR_FIFOS 0xc0

/* FCR: FIFO Control Register (write only). */
#define FCR_FIFO_ENABLE 0x01 /* FCR0 */
#define FCR_RCVR_RESET 0x02  /* FCR1: self-clearing */
#define FCR_XMIT_RESET 0x04  /* FCR2: self-clearing */
#define FCR_KEPT 0xc9        /* FCR0, FCR3 (DMA mode), FCR6-7 (RCVR trigger) */

/* LCR: Line Control Register. */
#define LCR_DLAB 0x80 /* Divisor Latch Access Bit */
#define LCR_8N1 0x03  /* WLS = 11: 8 bits, 1 stop bit, no parity */

/* MCR: MODEM Control Register. Bits 5-7 are always 0. */
#define MCR_MASK 0x1f /* DTR, RTS, OUT 1, OUT 2, LOOP */

/* LSR: Line Status Register. */
#define LSR_DR 0x01   /* Data Ready */
#define LSR_THRE 0x20 /* Transmitter Holding Register Empty */
#define LSR_TEMT 0x40 /* Transmitter Empty */

/* MSR: MODEM Status Register. The delta bits (DCTS, DDSR, TERI, DDCD,
 * bits 0-3) stay 0: the lines never change. */
#define MSR_CTS 0x10 /* Clear To Send */
#define MSR_DSR 0x20 /* Data Set Ready */
#define MSR_DCD 0x80 /* Data Carrier Detect (RI, bit 6, stays 0) */
#define MSR_VALUE (MSR_CTS | MSR_DSR | MSR_DCD)

/* What reading an offset past 7 gives: a floating bus. */
#define BUS_FLOAT 0xff

void vuart_reset(struct vuart *u)
{
	/* The data sheet's Master Reset values (IER, MCR, FCR all 0; the
	 * FIFOs empty) except the line settings firmware leaves: divisor 1
	 * (115200 baud from a 1.8432 MHz clock) and LCR 8N1. */
	u->ier = 0;
	u->lcr = LCR_8N1;
	u->mcr = 0;
	u->scr = 0;
	u->dll = 1;
	u->dlm = 0;
	u->fcr = 0;
	u->thre_pending = false;
	u->rx_head = 0;
	u->rx_count = 0;
}

void vuart_init(struct vuart *u, vuart_tx_fn tx, void *ctx)
{
	u->tx = tx;
	u->ctx = ctx;
	u->tx_bytes = 0;
	u->rx_bytes = 0;
	u->rx_dropped = 0;
	for (unsigned i = 0; i < VUART_RX_FIFO; i++)
		u->rx[i] = 0;
	vuart_reset(u);
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static u8 rx_pop(struct vuart *u)
{
	u8 b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
	u->rx_count--;
	return b;
}

/* The interrupt ID the IIR would show now, without side effects. */
static u8 iir_id(const struct vuart *u)
{
	if ((u->ier & IER_ERBFI) && u->rx_count)
		return IIR_RDA;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	return IIR_NO_INT;
}

bool vuart_irq_pending(const struct vuart *u)
{
	return iir_id(u) != IIR_NO_INT;
}

u8 vuart_read(struct vuart *u, unsigned offset)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 id;

	switch (offset) {
	case REG_RBR_THR_DLL:
		return dlab ? u->dll : rx_pop(u);
	case REG_IER_DLM:
		return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR:
		/* Reading the IIR when it names the THRE interrupt as its source
		 * clears that interrupt (data sheet, IIR table: "Reading the
		 * IIR Register (if source of interrupt)"). */
		id = iir_id(u);
		if (id == IIR_THRE)
			u->thre_pending = false;
		return id | ((u->fcr & FCR_FIFO_ENABLE) ? IIR_FIFOS : 0);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case REG_MSR:
		return MSR_VALUE;
	case REG_SCR:
		return u->scr;
	default:
		return BUS_FLOAT;
	}
}

static void write_fcr(struct vuart *u, u8 value)
{
	/* FCR0 must be 1 for the other bits to be programmed; changing FCR0
	 * (FIFO mode <-> 16450 mode) clears the FIFOs, as does FCR1 for the
	 * receiver. Accepted even with FCR0 = 0 here: a driver that clears
	 * the FIFO wants it empty either way. */
	if ((value ^ u->fcr) & FCR_FIFO_ENABLE)
		rx_clear(u);
	if (value & FCR_RCVR_RESET)
		rx_clear(u);
	/* FCR2 (XMIT FIFO reset): the transmitter is always empty. */
	u->fcr = (value & FCR_FIFO_ENABLE) ? (value & FCR_KEPT) : 0;
}

static void write_ier(struct vuart *u, u8 value)
{
	u8 old = u->ier;

	u->ier = value & IER_MASK;
	/* Enabling ETBEI while THR is empty (always, here) raises the THRE
	 * interrupt, even if an earlier one was cleared by reading IIR;
	 * disabling it drops the pending one. Linux's 8250 startup tests
	 * exactly this re-assertion (UART_BUG_THRE otherwise). */
	if ((u->ier ^ old) & IER_ETBEI)
		u->thre_pending = (u->ier & IER_ETBEI) != 0;
}

void vuart_write(struct vuart *u, unsigned offset, u8 value)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (offset) {
	case REG_RBR_THR_DLL:
		if (dlab) {
			u->dll = value;
			break;
		}
		/* THR: writing clears the THRE interrupt, and the instant
		 * transmitter empties the holding register again at once, so
		 * the net effect is a fresh THRE interrupt. */
		if (u->tx)
			u->tx(u->ctx, value);
		u->tx_bytes++;
		u->thre_pending = true;
		break;
	case REG_IER_DLM:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case REG_IIR_FCR:
		write_fcr(u, value);
		break;
	case REG_LCR:
		u->lcr = value;
		break;
	case REG_MCR:
		u->mcr = value & MCR_MASK;
		break;
	case REG_SCR:
		u->scr = value;
		break;
	default:
		/* LSR and MSR are read-only (writes are for factory test on
		 * the real part); offsets past 7 are not ours. */
		break;
	}
}

size_t vuart_rx_push(struct vuart *u, const u8 *data, size_t n)
{
	size_t took = 0;

	while (took < n && u->rx_count < VUART_RX_FIFO) {
		u->rx[(u->rx_head + u->rx_count) % VUART_RX_FIFO] = data[took++];
		u->rx_count++;
	}
	u->rx_bytes += took;
	u->rx_dropped += n - took;
	return took;
}
