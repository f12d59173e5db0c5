/*
 * The serial management console (docs/console.md).
 *
 * It runs on the CPU the config keeps for the hypervisor (console_cpu,
 * default 0) and polls the physical UART; with console_cpu = none it
 * shares CPU 0 with a partition, polling between that vCPU's exits. All output to the UART, from any
 * CPU, goes through one queue that only the console CPU drains, polling
 * for input between characters: a guest flooding its UART, or a CPU
 * holding the log lock, can fill the queue (excess is counted and
 * dropped) but cannot make the console miss what the user types.
 */
#ifndef TESSERA_CONSOLE_H
#define TESSERA_CONSOLE_H

#include <tessera/types.h>
#include <tessera/cmd.h>
#include <tessera/lineedit.h>

struct partition;

#define CONSOLE_PROMPT "tessera> "
#define CONSOLE_DETACH_KEY 0x1d /* Ctrl-] */

struct console {
	u16 port;
	struct lineedit le;
	struct partition *attached; /* guest console we are attached to, or NULL */
	bool at_prompt;             /* the prompt line is on screen */
};

/* Switch the log to the console queue and run the console forever. */
void console_run(u16 port) __noreturn;

/* No kept CPU: the console shares CPU cpu with a partition (or idles on
 * it). console_start_shared() switches the log to the queue and returns;
 * from then on that CPU calls console_shared_poll() whenever it is in the
 * hypervisor (vcpu_host_work(), its idle loop). */
void console_start_shared(u16 port, unsigned cpu);
void console_shared_poll(void);
/* Does the console share physical CPU cpu with a partition? */
bool console_shares_cpu(unsigned cpu);

/* Guest output of partition p (its struct gout's sink): a whole line, or
 * raw bytes while attached. */
void console_guest_line(struct partition *p, const char *prefix, const char *line);
void console_guest_raw(struct partition *p, const void *data, size_t n);
/* Forget p's output that is queued but not printed (the scrollback has
 * it): it stopped (the rest of a line half on screen still goes out), or
 * the console attaches to it or detaches (guest_out.h, sink.attach). */
void console_partition_stopped(struct partition *p);
void console_partition_attach(struct partition *p, bool attached);

/* For commands. */
void console_printf(struct console *c, const char *fmt, ...) __printf(2, 3);
void console_write(struct console *c, const char *s, size_t n);
void console_attach(struct console *c, struct partition *p);
/* Called in long waits on the console CPU: keep what the user types. */
void console_idle_poll(void);

/* hv/console/commands.c */
extern const struct cmd_def console_commands[];
extern const size_t console_ncommands;
void console_supervise(void); /* on_crash = restart, with back-off */

#endif
