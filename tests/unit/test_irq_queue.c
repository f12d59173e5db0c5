/*
 * Unit tests for hv/irq_queue.c: a vCPU's waiting local APIC vectors come
 * out highest first (SDM Vol. 3A 11.8.3), once each, across the four
 * 64-bit words; the same vector queued twice is one interrupt, as the
 * APIC's IRR bit is.
 */
#include "unit.h"

#include <tessera/irq_queue.h>

static void test_empty(void **state)
{
	struct irq_queue q;

	(void)state;
	irq_queue_clear(&q);
	assert_true(irq_queue_empty(&q));
	assert_int_equal(irq_queue_highest(&q), -1);
	assert_int_equal(irq_queue_take(&q), -1);
	irq_queue_add(&q, 0xc0);
	assert_false(irq_queue_empty(&q));
	assert_int_equal(irq_queue_take(&q), 0xc0);
	assert_true(irq_queue_empty(&q));
}

static void test_priority_order(void **state)
{
	static const u8 in[] = { 0x20, 0xef, 0x41, 0x40, 0x7f, 0x80, 0xff, 0x30 };
	static const int out[] = { 0xff, 0xef, 0x80, 0x7f, 0x41, 0x40, 0x30, 0x20, -1 };
	struct irq_queue q;

	(void)state;
	irq_queue_clear(&q);
	for (unsigned i = 0; i < ARRAY_SIZE(in); i++)
		irq_queue_add(&q, in[i]);
	irq_queue_add(&q, 0x41); /* again: still one */
	for (unsigned i = 0; i < ARRAY_SIZE(out); i++)
		assert_int_equal(irq_queue_take(&q), out[i]);
}

static void test_every_vector(void **state)
{
	struct irq_queue q;

	(void)state;
	irq_queue_clear(&q);
	for (unsigned v = 0; v < 256; v++) {
		irq_queue_add(&q, (u8)v);
		assert_int_equal(irq_queue_highest(&q), (int)v);
	}
	for (int v = 255; v >= 0; v--)
		assert_int_equal(irq_queue_take(&q), v);
	assert_int_equal(irq_queue_highest(&q), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_every_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
