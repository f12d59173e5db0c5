/*
 * Common includes for the host unit tests (cmocka, from Debian's
 * libcmocka-dev). cmocka needs these standard headers before its own.
 */
#ifndef TESSERA_UNIT_H
#define TESSERA_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#endif
