/*
 * The 8254's channel 0 as a rate generator (Intel 8254 data sheet,
 * "Mode 2"; control word bits: 7:6 channel, 5:4 access low then high
 * byte, 3:1 mode, 0 binary). Its input clock is 1.193182 MHz on every PC.
 */
#include <drivers/pit8254.h>
#include <arch/cpu.h>

#define PIT_CH0 0x40
#define PIT_CTRL 0x43
#define PIT_CH0_MODE2_LOHI 0x34
#define PIT_CLOCK_HZ 1193182u

void pit8254_periodic(unsigned hz)
{
	u32 count = PIT_CLOCK_HZ / (hz ? hz : 1);

	if (count > 0xffff)
		count = 0xffff;
	if (count < 2) /* mode 2 needs a count of at least 2 */
		count = 2;
	outb(PIT_CTRL, PIT_CH0_MODE2_LOHI);
	outb(PIT_CH0, (u8)count);
	outb(PIT_CH0, (u8)(count >> 8));
}
