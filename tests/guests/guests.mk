# Test guests: Multiboot v1 ELF32 kernels that run inside Tessera
# partitions (tests/guests/README.md). Included by the top Makefile; also
# usable alone: make -f tests/guests/guests.mk guests
#
# Outputs $(BUILD)/guests/NAME.elf for each NAME in GUESTS. Each ELF is
# checked by check_multiboot.py right after linking.

BUILD ?= build
PYTHON ?= python3
GUEST_CC ?= gcc
GUEST_LD ?= ld

# Keep .DEFAULT_GOAL as the includer had it (restored at the end).
guests_saved_goal := $(.DEFAULT_GOAL)

GUESTS := hello isolation crash smp compute echo bench flood spin chatter portloop hold platform mb2info \
	apic_xapic apic_x2apic
GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUESTS))

GUEST_SRC := tests/guests
GUEST_OUT := $(BUILD)/guests
# -fno-tree-loop-distribute-patterns: else GCC may turn memset's own loop
# into a call to memset.
GUEST_CFLAGS := -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -nostdlib \
	-fno-stack-protector -fno-builtin -mno-sse -mgeneral-regs-only -O2 -std=c11 \
	-Wall -Wextra -Werror -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -I$(GUEST_SRC)/lib -Ihv/include
GUEST_LDFLAGS := -m elf_i386 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack -T $(GUEST_SRC)/guest.ld

GUEST_LIB_SRCS := $(wildcard $(GUEST_SRC)/lib/*.c $(GUEST_SRC)/lib/*.S)
GUEST_LIB_OBJS := $(patsubst $(GUEST_SRC)/%,$(GUEST_OUT)/%.o,$(GUEST_LIB_SRCS))
GUEST_HEADERS := $(wildcard $(GUEST_SRC)/lib/*.h $(GUEST_SRC)/*.h) hv/include/tessera/hypercall.h
GUEST_CHECK := $(GUEST_SRC)/check_multiboot.py

# Extra objects of a guest beyond NAME.c.
GUEST_EXTRA_compute := compute_work
# Strings that must not appear in a guest's file (isolation looks for them
# in its own memory, hello builds its copy at run time).
GUEST_FORBID_isolation := --forbid TESSERA-NEIGHBOUR-SECRET --forbid TESSERA-HYPERVISOR-SECRET
GUEST_FORBID_hello := --forbid TESSERA-NEIGHBOUR-SECRET

$(GUEST_OUT)/%.c.o: $(GUEST_SRC)/%.c $(GUEST_HEADERS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/%.S.o: $(GUEST_SRC)/%.S $(GUEST_HEADERS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

# One source, two guests: the local APIC in xAPIC mode (MMIO page) and,
# with -DUSE_X2APIC, switched to x2APIC mode (MSRs 0x800-0x8FF).
$(GUEST_OUT)/apic_xapic.c.o: $(GUEST_SRC)/apic_guest.c $(GUEST_HEADERS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/apic_x2apic.c.o: $(GUEST_SRC)/apic_guest.c $(GUEST_HEADERS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -DUSE_X2APIC -c -o $@ $<

define guest_rule
$(GUEST_OUT)/$(1).elf: $(patsubst %,$(GUEST_OUT)/%.c.o,$(1) $(GUEST_EXTRA_$(1))) \
		$(GUEST_LIB_OBJS) $(GUEST_SRC)/guest.ld $(GUEST_CHECK)
	$(GUEST_LD) $(GUEST_LDFLAGS) -o $$@.tmp $$(filter %.o,$$^)
	$(PYTHON) $(GUEST_CHECK) $(GUEST_FORBID_$(1)) $$@.tmp
	mv $$@.tmp $$@
endef
$(foreach g,$(GUESTS),$(eval $(call guest_rule,$(g))))

.PHONY: guests guests-qemu
guests: $(GUEST_ELFS)

# Boot each guest under plain QEMU (no hypervisor) and check its output.
guests-qemu: $(GUEST_ELFS)
	$(PYTHON) $(GUEST_SRC)/qemu_smoke.py --dir $(GUEST_OUT)

.DEFAULT_GOAL := $(guests_saved_goal)
