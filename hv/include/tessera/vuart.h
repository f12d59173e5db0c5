/*
 * A virtual 16550 UART: the console device every partition gets at I/O
 * port 0x3f8 (registers per the National Semiconductor PC16550D data
 * sheet, Table II). Portable: the arch code turns I/O exits into
 * vuart_read()/vuart_write() calls, so the model works for every backend
 * alike, and is unit-tested on the host.
 *
 * Modelled: THR/RBR with a receive FIFO fed by the management console,
 * IER, IIR (interrupt identification, priorities RX data > THR empty),
 * FCR, LCR (DLAB switching), MCR (loopback not modelled: output goes out
 * regardless), LSR (THRE and TEMT always set: transmission is instant; DR
 * when the FIFO holds data), MSR (CTS, DSR, DCD set: a cable is present),
 * SCR, DLL/DLM. Baud rate and line settings are stored and read back, but
 * do not affect anything.
 *
 * Interrupts: vuart_irq_pending() says whether the UART would raise its
 * interrupt line now (IER bits against state); delivering it is the
 * caller's business (step 4, Linux).
 */
#ifndef TESSERA_VUART_H
#define TESSERA_VUART_H

#include <tessera/types.h>

#define VUART_RX_FIFO 64
#define VUART_PORTS 8 /* registers at base + 0..7 */

/* Receives every byte the guest transmits. */
typedef void (*vuart_tx_fn)(void *ctx, u8 byte);

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending; /* THR-empty interrupt armed (cleared by reading IIR or writing THR) */
	u8 rx[VUART_RX_FIFO];
	unsigned rx_head, rx_count;
	vuart_tx_fn tx;
	void *ctx;
	u64 tx_bytes, rx_bytes, rx_dropped;
};

/* The state firmware would leave: 115200 8N1 (DLL=1, DLM=0, LCR=0x03),
 * interrupts off, FIFO empty. */
void vuart_init(struct vuart *u, vuart_tx_fn tx, void *ctx);
void vuart_reset(struct vuart *u);

/* Guest access to register offset (0..7). Only the low byte matters for
 * writes; reads return one byte. */
u8 vuart_read(struct vuart *u, unsigned offset);
void vuart_write(struct vuart *u, unsigned offset, u8 value);

/* From the console: queue bytes for the guest to read. Returns how many
 * fitted; the rest are counted in rx_dropped. */
size_t vuart_rx_push(struct vuart *u, const u8 *data, size_t n);

bool vuart_irq_pending(const struct vuart *u);

#endif
