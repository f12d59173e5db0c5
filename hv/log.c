/*
 * The hypervisor log (see tessera/log.h).
 */
#include <tessera/log.h>
#include <tessera/format.h>
#include <tessera/ring.h>
#include <tessera/spinlock.h>

#define LOG_LINE_MAX 512
/* Spins before log_emergency gives up on the lock: long enough for any
 * sane holder to finish a line, short enough that a CPU that died holding
 * it does not hide the report of why. */
#define EMERGENCY_SPINS 10000000

static spinlock_t log_lock = SPINLOCK_INIT;
static log_sink_fn log_sink;
static log_sink_fn emergency_sink; /* the first sink: the UART itself */
/* The last LOG_RING_BYTES of everything logged, for the console's `log`. */
#define LOG_RING_BYTES 16384
static u8 log_ring_buf[LOG_RING_BYTES];
static struct ring log_ring = { log_ring_buf, sizeof(log_ring_buf), 0, 0, 0 };

size_t log_tail(char *out, size_t max)
{
	size_t n;

	spin_lock(&log_lock);
	n = ring_tail(&log_ring, out, max);
	spin_unlock(&log_lock);
	return n;
}

void log_set_sink(log_sink_fn sink)
{
	/* Under the lock: a message another CPU is writing to the old sink
	 * finishes before the new one takes over. */
	spin_lock(&log_lock);
	if (!emergency_sink)
		emergency_sink = sink;
	log_sink = sink;
	spin_unlock(&log_lock);
}

void log_vprintf(const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	int n = vstrfmt(buf, sizeof(buf), fmt, ap);

	if (n < 0 || !log_sink)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	spin_lock(&log_lock);
	ring_write(&log_ring, buf, (size_t)n);
	log_sink(buf, (size_t)n);
	spin_unlock(&log_lock);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}

void log_emergency(const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	bool locked = false;
	int n;

	va_start(ap, fmt);
	n = vstrfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || !emergency_sink)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (long i = 0; i < EMERGENCY_SPINS && !locked; i++)
		locked = spin_trylock(&log_lock);
	emergency_sink(buf, (size_t)n); /* not the console queue: its reader may be dead */
	if (locked)
		spin_unlock(&log_lock);
}
