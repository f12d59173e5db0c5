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
#include <tessera/timers.h>
#include <drivers/uart16550.h>

/*
 * Output queues: many writers (any CPU), one reader (the console CPU).
 * A writer holds the lock only to copy its bytes in; a message that does
 * not fit is dropped whole and counted. The hypervisor's own messages
 * have a queue that always goes out first; each partition has its own
 * queue, and the partitions' queues take turns line by line. A flooding
 * guest can thus lose only its own lines: never the hypervisor's reports,
 * never another partition's output. A stopped partition's queue is
 * emptied (its scrollback keeps everything), so its output stops at once:
 * all but the rest of a line the screen shows the start of already.
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
	/* Raw output (attached): a line lost part of itself, and what was
	 * shown of it is to be erased before anything else goes out. */
	bool broken, erase_due;
	/* The reader took the start of a line and not its end yet. */
	bool mid_line;
};


static u8 hvq_buf[HVQ_SIZE];
static struct outq hvq = { .lock = SPINLOCK_INIT, .buf = hvq_buf, .size = HVQ_SIZE };
static u8 partq_buf[MAX_PARTITIONS][PARTQ_SIZE];
static struct outq partq[MAX_PARTITIONS];

static struct console con;
static bool console_running;
static u64 drops_reported, last_drop_note_ns;
static bool at_line_start = true; /* the screen's cursor is at a line start */
static struct outq *drain_cur;   /* the queue the screen's last line came from */

/*
 * Attached, the screen's last line may be the guest's unfinished one (a
 * prompt, a line being typed). A hypervisor report that comes meanwhile
 * erases it, goes out, and the line is drawn again below it, as the
 * attached partition's own lines from other sources do (guest_out.h).
 * These are the raw bytes since the guest's last newline.
 */
static char raw_line[256];
static size_t raw_len;
static bool raw_overflow, redraw_due;

static void raw_line_reset(void)
{
	raw_len = 0;
	raw_overflow = redraw_due = false;
}

static void raw_line_add(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			raw_len = 0, raw_overflow = false;
		else if (raw_len < sizeof(raw_line))
			raw_line[raw_len++] = s[i];
		else
			raw_overflow = true; /* then a newline ends it instead */
	}
}

static void outq_copy_locked(struct outq *q, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		q->buf[(q->head + i) % q->size] = (u8)s[i];
	q->head = (q->head + n) % q->size;
	q->used += n;
}

static void outq_put(struct outq *q, const char *s, size_t n)
{
	spin_lock(&q->lock);
	if (n > q->size - q->used)
		q->dropped += n;
	else
		outq_copy_locked(q, s, n);
	spin_unlock(&q->lock);
}

/*
 * Raw output for the attached console, as chunks that fit whole or are
 * dropped. Once part of a line is dropped, the rest of it is too, and
 * what the screen shows of it is erased before the next line: so the
 * screen never shows a line with a hole in it (guest_out.h).
 */
static void outq_put_raw(struct outq *q, const char *s, size_t n)
{
	size_t erase = sizeof(ERASE_LINE) - 1;

	spin_lock(&q->lock);
	if (!q->broken && n + (q->erase_due ? erase : 0) <= q->size - q->used) {
		if (q->erase_due)
			outq_copy_locked(q, ERASE_LINE, erase);
		q->erase_due = false;
		outq_copy_locked(q, s, n);
	} else if (n) {
		q->dropped += n;
		q->broken = s[n - 1] != '\n'; /* the damaged line goes on */
		q->erase_due = true;
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
	if (n)
		q->mid_line = out[n - 1] != '\n';
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

static void outq_clear(struct outq *q)
{
	size_t keep = 0, tail;

	spin_lock(&q->lock);
	tail = (q->head + q->size - q->used) % q->size;
	if (q->mid_line) /* up to and with the newline of the line on screen */
		while (keep < q->used && q->buf[(tail + keep++) % q->size] != '\n')
			;
	q->head = (tail + keep) % q->size;
	q->used = keep;
	q->broken = q->erase_due = false;
	spin_unlock(&q->lock);
}

void console_partition_stopped(struct partition *p)
{
	outq_clear(queue_of(p));
}

void console_partition_attach(struct partition *p, bool attached)
{
	struct outq *q = queue_of(p);

	(void)attached; /* either way the queued bytes are in the old form */
	spin_lock(&q->lock);
	q->used = 0;
	q->broken = q->erase_due = q->mid_line = false;
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

void console_guest_raw(struct partition *p, const void *data, size_t n)
{
	outq_put_raw(queue_of(p), data, n);
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

/* The scrollback's newest whole lines and the UART's unfinished one are
 * printed here; what the guest writes from the moment of the snapshot on
 * comes raw through its queue, after them. */
void console_attach(struct console *c, struct partition *p)
{
	static char tail[2048];
	size_t n;

	c->attached = p;
	n = gout_attach(&p->out, tail, sizeof(tail));
	console_printf(c, "[attached to %s; Ctrl-] detaches; last %zu bytes follow]\n", p->name,
		       n);
	console_write(c, tail, n);
	/* The snapshot may end in the UART's unfinished line: the raw
	 * output goes on from there. */
	raw_line_reset();
	raw_line_add(tail, n);
	at_line_start = !n || tail[n - 1] == '\n';
	drain_cur = queue_of(p);
}

static void input_attached(u8 b)
{
	struct partition *p = con.attached;

	if (b == CONSOLE_DETACH_KEY) {
		gout_detach(&p->out);
		con.attached = NULL;
		/* A line still unfinished on screen is the guest's (its rest
		 * was just discarded from the queue): it is erased, and shows
		 * whole, as a "[name] ..." line, once the guest ends it. */
		console_printf(&con, "%s[detached from %s]\n", at_line_start ? "" : ERASE_LINE,
			       p->name);
		raw_line_reset();
		at_line_start = true;
		return;
	}
	partition_console_input(p, b);
}

static void input_byte(u8 b)
{
	if (con.attached) {
		input_attached(b);
		return;
	}
	/* A key typed while guest output kept the prompt away: the prompt
	 * first, so that what is typed is on the prompt line, which output
	 * erases and draws again (drain_output), and never a stray echo
	 * that the next line would run into. */
	if (!con.at_prompt)
		show_prompt();
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
	/* Not in the middle of a line either: the command's echo and answer
	 * would land inside it. drain_output() always finishes one. Attached,
	 * input goes on in the attached guest's own unfinished line (its
	 * echo, its prompt), but not in a hypervisor line being printed. */
	while (in_count && !in_command &&
	       (at_line_start || (con.attached && drain_cur == queue_of(con.attached)))) {
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
static bool queued(const struct outq *q)
{
	return q && __atomic_load_n(&q->used, __ATOMIC_RELAXED);
}

/* Output waits in a queue other than the attached partition's `mine`. */
static bool others_queued(const struct outq *mine)
{
	if (queued(&hvq))
		return true;
	for (unsigned i = 0; i < npartitions; i++)
		if (&partq[i] != mine && queued(&partq[i]))
			return true;
	return false;
}

static void drain_output(void)
{
	static unsigned turn; /* the partition whose queue goes next */
	struct outq *q = NULL, *mine = con.attached ? queue_of(con.attached) : NULL;
	u8 chunk[64];
	size_t n;

	/* Finish a line from the queue it started in; then the hypervisor's
	 * queue first, then the partitions' in turn. */
	if (!at_line_start && queued(drain_cur)) {
		q = drain_cur;
	} else if (!at_line_start) {
		if (drain_cur && drain_cur == mine) {
			/* The attached guest's unfinished line: it stays until
			 * something else is to be shown, then makes way. */
			if (!others_queued(mine))
				return;
			redraw_due = !raw_overflow;
			term_write(redraw_due ? ERASE_LINE : "\n", redraw_due ? sizeof(ERASE_LINE) - 1 : 1);
		} else {
			/* The rest of that line was discarded (detach). */
			term_write("\n", 1);
		}
		at_line_start = true;
		return;
	} else if (queued(&hvq)) {
		q = &hvq;
	} else if (redraw_due && mine) {
		/* Nothing else waits: the attached guest's line comes back. */
		term_write(raw_line, raw_len);
		redraw_due = false;
		at_line_start = !raw_len;
		drain_cur = mine;
		return;
	} else {
		for (unsigned i = 0; i < npartitions && !q; i++, turn = (turn + 1) % npartitions)
			if (queued(&partq[turn]))
				q = &partq[turn];
	}
	n = q ? outq_take(q, chunk, sizeof(chunk)) : 0;
	drain_cur = q;
	if (!n) {
		if (!con.at_prompt && !con.attached)
			show_prompt();
		return;
	}
	if (con.at_prompt) {
		term_write(ERASE_LINE, sizeof(ERASE_LINE) - 1); /* erase the prompt line; redrawn after */
		con.at_prompt = false;
	}
	if (q == mine)
		raw_line_add((const char *)chunk, n);
	/* Input is only buffered while the chunk goes out (the UART's receive
	 * FIFO is only 16 bytes); commands run between lines (poll_input), so
	 * a command's answer never lands inside one. */
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
 * vCPU, in HLT and pause waits, and while it has nothing to run). A timer
 * bounds the time between two such moments (console_start_shared;
 * docs/console.md, section 8).
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
	if (!arch_guest_deadline_exits())
		timers_watch(arch_time_ns());
}

/*
 * The kept console CPU sleeps between its steps, woken by a tick of its
 * own at CONSOLE_TICK_HZ (or any IPI). 2 kHz keeps up with the UART: at
 * 115200 baud its 16-byte receive FIFO fills in 1.4 ms. Where the tick
 * cannot be had, the loop spins as before.
 */
#define CONSOLE_TICK_HZ 2000

void console_run(u16 port)
{
	bool ticking;

	console_start(port);
	ticking = arch_cpu_tick_start(CONSOLE_TICK_HZ);
	for (;;) {
		console_step();
		if (ticking)
			arch_cpu_idle();
	}
}

/* The shared CPU's bound between two steps: the backend's own timer
 * (a timer of the CPU's own), else a tick from the
 * machine's PIT at SHARED_TICK_HZ (arch_cpu_external_tick). */
#define SHARED_TICK_HZ 100

void console_start_shared(u16 port, unsigned cpu)
{
	shared_cpu = (int)cpu;
	console_start(port);
	if (!arch_guest_deadline_exits() && !arch_cpu_external_tick(cpu, SHARED_TICK_HZ))
		log_printf("tessera: console: no timer to interrupt cpu %u with (no MADT "
			   "route for the PIT): a guest there that spins without exits will "
			   "hold the console up\n", cpu);
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
