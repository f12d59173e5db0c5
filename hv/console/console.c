/*
 * The console runtime: the output queue, the input loop, attach mode.
 * Commands are in commands.c; line editing and parsing in lineedit.c and
 * cmd.c (host-tested).
 */
#include <tessera/arch.h>
#include <tessera/console.h>
#include <tessera/format.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/spinlock.h>
#include <tessera/string.h>
#include <drivers/uart16550.h>

/*
 * Output queues: many writers (any CPU), one reader (the console CPU).
 * A writer holds the lock only to copy its bytes in; a message that does
 * not fit is dropped whole and counted. The hypervisor's own messages
 * have a queue that always goes out first; each partition has its own
 * queue, and the partitions' queues take turns line by line. A flooding
 * guest can thus lose only its own lines: never the hypervisor's reports,
 * never another partition's output. A stopped partition's queue is
 * emptied (its scrollback keeps everything), so its output stops at once.
 */
#define PARTQ_SIZE (4 * 1024)
#define HVQ_SIZE (16 * 1024)
/* Reports of dropped guest output: at most one a second, between lines. */
#define DROP_NOTE_INTERVAL_NS (1000ull * 1000 * 1000)

struct outq {
	spinlock_t lock;
	u8 *buf;
	size_t size;
	size_t head; /* next byte to write */
	size_t used;
	u64 dropped;
};

static u8 hvq_buf[HVQ_SIZE];
static struct outq hvq = { SPINLOCK_INIT, hvq_buf, HVQ_SIZE, 0, 0, 0 };
static u8 partq_buf[MAX_PARTITIONS][PARTQ_SIZE];
static struct outq partq[MAX_PARTITIONS];

static struct console con;
static bool console_running;
static u64 drops_reported, last_drop_note_ns;
static bool at_line_start = true;

static void outq_put(struct outq *q, const char *s, size_t n)
{
	spin_lock(&q->lock);
	if (n > q->size - q->used) {
		q->dropped += n;
	} else {
		for (size_t i = 0; i < n; i++)
			q->buf[(q->head + i) % q->size] = (u8)s[i];
		q->head = (q->head + n) % q->size;
		q->used += n;
	}
	spin_unlock(&q->lock);
}

/* Take up to max queued bytes; returns how many. */
static size_t outq_take(struct outq *q, u8 *out, size_t max)
{
	size_t n, tail;

	spin_lock(&q->lock);
	n = MIN(max, q->used);
	tail = (q->head + q->size - q->used) % q->size;
	for (size_t i = 0; i < n; i++)
		out[i] = q->buf[(tail + i) % q->size];
	q->used -= n;
	spin_unlock(&q->lock);
	return n;
}

static struct outq *queue_of(const struct partition *p)
{
	struct outq *q = &partq[p->id];

	if (!q->buf) { /* first use; only partition ids below npartitions occur */
		q->buf = partq_buf[p->id];
		q->size = PARTQ_SIZE;
	}
	return q;
}

static u64 console_dropped_bytes(void)
{
	u64 n = 0;

	for (unsigned i = 0; i < MAX_PARTITIONS; i++)
		n += __atomic_load_n(&partq[i].dropped, __ATOMIC_RELAXED);
	return n;
}

void console_partition_stopped(struct partition *p)
{
	struct outq *q = queue_of(p);

	spin_lock(&q->lock);
	q->used = 0;
	spin_unlock(&q->lock);
}

static void log_to_queue(const char *s, size_t n)
{
	outq_put(&hvq, s, n);
}

void console_guest_line(struct partition *p, const char *prefix, const char *line)
{
	char buf[LINEOUT_MAX + 48];
	int n;

	if (!console_running) { /* no console CPU (console_cpu = none): the log */
		log_printf("%s%s\n", prefix, line);
		return;
	}
	if (p->muted || con.attached)
		return; /* kept in the scrollback; attach shows it */
	n = strfmt(buf, sizeof(buf), "%s%s\n", prefix, line);
	outq_put(queue_of(p), buf, (size_t)MIN((size_t)n, sizeof(buf) - 1));
}

void console_guest_byte(struct partition *p, u8 byte)
{
	if (con.attached == p)
		outq_put(queue_of(p), (const char *)&byte, 1);
}

/* ----------------------------------------------------------- terminal */

static void poll_input(void);
static bool in_command; /* a command or a write is in progress: input waits */

/* The console CPU's own output (command results): straight to the UART,
 * never through the queue, so that a flood of guest output cannot crowd
 * out the answer to a command. Input is polled as it goes. */
static void term_write(const char *s, size_t n)
{
	bool was = in_command;

	/* Input is only buffered while we write: an echo must not land in
	 * the middle of a prompt being drawn. */
	in_command = true;
	for (size_t i = 0; i < n; i++) {
		uart_write(con.port, &s[i], 1);
		if ((i & 7) == 7)
			poll_input();
	}
	in_command = was;
}

void console_printf(struct console *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	(void)c;
	va_start(ap, fmt);
	n = vstrfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	term_write(buf, (size_t)MIN((size_t)n, sizeof(buf) - 1));
}

void console_write(struct console *c, const char *s, size_t n)
{
	(void)c;
	term_write(s, n);
}

static void echo(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	term_write(s, n);
}

static void show_prompt(void)
{
	term_write(CONSOLE_PROMPT, sizeof(CONSOLE_PROMPT) - 1);
	term_write(con.le.buf, con.le.len);
	if (con.le.cursor < con.le.len) { /* put the cursor back where the editor has it */
		char back[16];
		int n = strfmt(back, sizeof(back), "\x1b[%uD", con.le.len - con.le.cursor);

		term_write(back, (size_t)n);
	}
	con.at_prompt = true;
}

static void run_line(const char *line)
{
	struct cmd_args a;
	enum cmd_parse_result r = cmd_split(line, &a);
	const struct cmd_def *d;
	bool ambiguous;
	char err[160];

	if (r == CMD_EMPTY)
		return;
	if (r != CMD_OK) {
		console_printf(&con, "error: %s\n", cmd_parse_error(r));
		return;
	}
	d = cmd_find(console_commands, console_ncommands, a.argv[0], &ambiguous);
	if (!d) {
		console_printf(&con, "error: %s command '%s' (type 'help')\n",
			       ambiguous ? "ambiguous" : "unknown", a.argv[0]);
		return;
	}
	if (a.argc - 1 < d->min_args || a.argc - 1 > d->max_args) {
		cmd_usage_error(d, &a, err, sizeof(err));
		console_printf(&con, "error: %s\n", err);
		return;
	}
	d->run(&con, &a);
}

void console_attach(struct console *c, struct partition *p)
{
	static char tail[2048];
	size_t n = ring_tail(&p->scrollback, tail, sizeof(tail));

	console_printf(c, "[attached to %s; Ctrl-] detaches; last %zu bytes follow]\n", p->name,
		       n);
	console_write(c, tail, n);
	c->attached = p;
}

static void input_attached(u8 b)
{
	struct partition *p = con.attached;

	if (b == CONSOLE_DETACH_KEY) {
		con.attached = NULL;
		console_printf(&con, "\n[detached from %s]\n", p->name);
		return;
	}
	spin_lock(&p->lock);
	vuart_rx_push(&p->uart, &b, 1);
	if (p->cfg->format == FORMAT_LINUX)
		partition_irq_update(p); /* its driver waits for the receive interrupt */
	spin_unlock(&p->lock);
}

static void input_byte(u8 b)
{
	if (con.attached) {
		input_attached(b);
		return;
	}
	switch (lineedit_feed(&con.le, b)) {
	case LE_LINE:
		con.at_prompt = false;
		run_line(lineedit_line(&con.le));
		break;
	case LE_CANCEL:
		con.at_prompt = false;
		break;
	case LE_NONE:
		return;
	}
}

/*
 * Input that arrives while a command runs (or while output is written) is
 * kept here and processed afterwards, in order: nothing typed is lost,
 * and a command never runs inside another.
 */
#define INBUF_SIZE 256
static u8 inbuf[INBUF_SIZE];
static unsigned in_head, in_count;
static void input_byte(u8 b);

void console_idle_poll(void)
{
	if (console_running)
		poll_input();
}

static void poll_input(void)
{
	char c;

	while (uart_getc(con.port, &c)) {
		if (in_count < INBUF_SIZE)
			inbuf[(in_head + in_count++) % INBUF_SIZE] = (u8)c;
	}
	while (in_count && !in_command) {
		u8 b = inbuf[in_head];

		in_head = (in_head + 1) % INBUF_SIZE;
		in_count--;
		in_command = true;
		input_byte(b);
		in_command = false;
	}
}

/* At most once a second, and only between lines: how much guest output
 * the queue had to drop since the last note. */
static void note_drops(void)
{
	u64 dropped = console_dropped_bytes();
	u64 now = arch_time_ns();
	char note[96];
	int m;

	if (dropped == drops_reported || !at_line_start ||
	    now - last_drop_note_ns < DROP_NOTE_INTERVAL_NS)
		return;
	m = strfmt(note, sizeof(note), "[tessera: %llu bytes of guest output dropped]\n",
		   (unsigned long long)(dropped - drops_reported));
	drops_reported = dropped;
	last_drop_note_ns = now;
	term_write(note, (size_t)m);
}

/* Print queued output, the hypervisor's first; keep the prompt line
 * intact around it. */
static void drain_output(void)
{
	static struct outq *cur;
	static unsigned turn; /* the partition whose queue goes next */
	struct outq *q = NULL;
	u8 chunk[64];
	size_t n;

	/* Finish a line from the queue it started in; then the hypervisor's
	 * queue first, then the partitions' in turn. (A partial line, e.g. an
	 * attached guest's echo, does not hold the others back once its own
	 * queue is empty.) */
	if (!at_line_start && cur && __atomic_load_n(&cur->used, __ATOMIC_RELAXED))
		q = cur;
	else if (!at_line_start && !con.attached) {
		/* The rest of that line was discarded (its partition stopped). */
		term_write("\n", 1);
		at_line_start = true;
		return;
	} else if (__atomic_load_n(&hvq.used, __ATOMIC_RELAXED))
		q = &hvq;
	else
		for (unsigned i = 0; i < npartitions && !q; i++, turn = (turn + 1) % npartitions)
			if (__atomic_load_n(&partq[turn].used, __ATOMIC_RELAXED))
				q = &partq[turn];
	n = q ? outq_take(q, chunk, sizeof(chunk)) : 0;
	cur = q;
	if (!n) {
		if (!con.at_prompt && !con.attached)
			show_prompt();
		return;
	}
	if (con.at_prompt) {
		term_write("\r\x1b[K", 4); /* erase the prompt line; redrawn after */
		con.at_prompt = false;
	}
	/* Input is only buffered while the chunk goes out (the UART's receive
	 * FIFO is only 16 bytes); commands run between chunks, so a command's
	 * answer never lands inside a line. */
	in_command = true;
	for (size_t i = 0; i < n; i++) {
		term_write((const char *)&chunk[i], 1);
		at_line_start = chunk[i] == '\n';
		if (at_line_start)
			note_drops();
		poll_input();
	}
	in_command = false;
}

/*
 * Without a kept CPU (console_cpu = none) the console shares CPU 0 with
 * whatever runs there: console_shared_poll() does one step of the loop
 * below when that CPU is in the hypervisor anyway (after each exit of its
 * vCPU, in HLT and pause waits, and while it has nothing to run). The
 * VMX preemption timer bounds the time between two such moments
 * (docs/console.md, section 8).
 */
#define SHARED_POLL_INTERVAL_NS (100ull * 1000) /* at most one step per 100 us */
static int shared_cpu = -1;
static bool in_step;
static u64 last_step_ns;

bool console_shares_cpu(unsigned cpu)
{
	return shared_cpu >= 0 && (unsigned)shared_cpu == cpu;
}

static void console_start(u16 port)
{
	con.port = port;
	lineedit_init(&con.le, echo, NULL);
	lineedit_set_prompt(&con.le, CONSOLE_PROMPT);
	/* The queue first: from here on no other CPU writes to the UART. */
	log_set_sink(log_to_queue);
	__atomic_store_n(&console_running, true, __ATOMIC_RELEASE);
	console_printf(&con, "tessera: console ready on this serial port; type 'help'\n");
}

static void console_step(void)
{
	poll_input();
	drain_output();
	console_supervise();
}

void console_run(u16 port)
{
	console_start(port);
	for (;;)
		console_step();
}

void console_start_shared(u16 port, unsigned cpu)
{
	shared_cpu = (int)cpu;
	console_start(port);
}

void console_shared_poll(void)
{
	u64 now;

	/* A command that waits (stop, restart) keeps reading input through
	 * console_idle_poll(); it never starts another step. */
	if (in_step || !console_running)
		return;
	now = arch_time_ns();
	if (now - last_step_ns < SHARED_POLL_INTERVAL_NS)
		return;
	last_step_ns = now;
	in_step = true;
	console_step();
	in_step = false;
}
