/*
 * 16550-compatible UART on an I/O port (the PC COM ports).
 * Register layout: National Semiconductor PC16550D data sheet, Table II.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <tessera/types.h>

/* Program 8N1 at baud and enable the FIFOs. Returns false if no UART
 * answers at port (scratch register test), in which case output is dropped. */
bool uart_init(u16 port, u32 baud);
void uart_putc(u16 port, char c);
void uart_write(u16 port, const char *s, size_t n); /* "\n" becomes "\r\n" */
/* Non-blocking read: true and *c when a byte was waiting. */
bool uart_getc(u16 port, char *c);

#endif
