/* The hypervisor core ELF, embedded at build time (see Makefile). */
	.section .rodata
	.balign 16
	.globl core_blob_start, core_blob_end
core_blob_start:
	.incbin CORE_ELF_PATH
core_blob_end:
	.section .note.GNU-stack, "", @progbits
