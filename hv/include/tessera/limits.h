/*
 * Fixed capacities. The hypervisor never calls a general-purpose heap, so
 * every table has a size known at build time; this is the one place they
 * are set.
 */
#ifndef TESSERA_LIMITS_H
#define TESSERA_LIMITS_H

#define MAX_CPUS 64            /* CPU sets are u64 bitmasks (config "cpus =") */
#define MAX_PARTITIONS 16
#define MAX_BOOT_FILES 32      /* files the loader brings: kernels, modules */
#define PATH_MAX_LEN 128       /* an ESP path such as \tessera\hello.elf */
#define NAME_MAX_LEN 32        /* a partition name */
#define CMDLINE_MAX_LEN 512
#define MAX_MODULES 8          /* multiboot modules (or one initrd) per partition */

#endif
