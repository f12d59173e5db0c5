/*
 * echo: a line-echo loop on the UART, for the management console's
 * input path (console -> virtual UART receive FIFO -> guest).
 *
 * Prints "echo: ready", then echoes each received byte as it comes; at
 * the end of a line ('\r' or '\n'; a '\n' right after '\r' is skipped)
 * writes "\r\n" and "echo: got '<line>'". Backspace/DEL erase a byte.
 * Lines longer than 120 bytes are cut.
 */
#include "guest.h"

void guest_main(u32 magic, u32 mbi)
{
	char line[121];
	unsigned len = 0;
	u8 c, prev = 0;

	(void)magic;
	(void)mbi;
	printf("echo: ready\n");
	for (;;) {
		if (!serial_poll(&c)) {
			cpu_pause();
			continue;
		}
		if (c == '\n' && prev == '\r') {
			prev = c;
			continue;
		}
		prev = c;
		if (c == '\r' || c == '\n') {
			line[len] = '\0';
			printf("\necho: got '%s'\n", line);
			len = 0;
		} else if (c == 0x08 || c == 0x7F) {
			if (len) {
				len--;
				puts_raw("\b \b");
			}
		} else if (len < sizeof(line) - 1) {
			line[len++] = (char)c;
			serial_putc((char)c);
		}
	}
}
