/*
 * A vCPU's waiting interrupts (tessera/irq_queue.h).
 */
#include <tessera/irq_queue.h>

int irq_queue_highest(const struct irq_queue *q)
{
	for (int w = 3; w >= 0; w--)
		if (q->pending[w])
			return w * 64 + 63 - __builtin_clzll(q->pending[w]);
	return -1;
}

int irq_queue_take(struct irq_queue *q)
{
	int v = irq_queue_highest(q);

	if (v >= 0)
		q->pending[v / 64] &= ~(1ull << (v % 64));
	return v;
}
