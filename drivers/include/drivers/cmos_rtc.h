/*
 * The machine's own RTC (MC146818-compatible CMOS clock at ports 0x70 and
 * 0x71): read once at boot, so that every partition's virtual RTC starts
 * from the real date and then advances with the TSC (hv/devices/rtc.c).
 * The hypervisor never writes it.
 */
#ifndef DRIVERS_CMOS_RTC_H
#define DRIVERS_CMOS_RTC_H

#include <tessera/rtc.h>

/* The date and time now, as the RTC keeps it (the firmware's zone, which
 * on a PC is usually local time or UTC as the OS set it). False, with
 * *out untouched, if the clock reads garbage or never leaves an update. */
bool cmos_rtc_read(struct rtc_datetime *out);

#endif
