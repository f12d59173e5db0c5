/*
 * Polled driver for the physical 16550 UART that carries Tessera's own
 * console. Polled, not interrupt driven: the hypervisor runs with
 * interrupts off, and a console that works when everything else is broken
 * is worth the busy-wait.
 */
#include <drivers/uart16550.h>
#include <arch/cpu.h>

/* Register offsets from the base port (PC16550D, Table II). */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear RX and TX */
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

#define UART_CLOCK_DIV 115200 /* 1.8432 MHz / 16 */

/* Bounded wait for the transmitter: a missing or wedged UART must not hang
 * the CPU that is trying to report something. At 9600 baud one byte takes
 * about 1 ms; this bound is far beyond that on any machine or emulator. */
#define TX_SPIN_LIMIT 1000000

bool uart_init(u16 port, u32 baud)
{
	u16 div;

	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	if (baud == 0 || baud > UART_CLOCK_DIV)
		baud = 115200;
	div = (u16)(UART_CLOCK_DIV / baud);

	outb(port + UART_IER, 0x00); /* polled: no UART interrupts */
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
	return true;
}

void uart_putc(u16 port, char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(port + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(port + UART_THR, (u8)c);
}

void uart_write(u16 port, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

bool uart_getc(u16 port, char *c)
{
	if (!(inb(port + UART_LSR) & LSR_DATA_READY))
		return false;
	*c = (char)inb(port + UART_RBR);
	return true;
}
