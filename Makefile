# Tessera build. `make help` lists the targets.
#
# Two worlds are built here:
#  - the target: the UEFI loader (gnu-efi, boot/) with the freestanding
#    hypervisor core (hv/, arch/, drivers/) embedded in it -> tessera.efi
#  - the host: unit tests of the portable logic, and tools/tessera-check.

BUILD ?= build
.DEFAULT_GOAL := all
# The engine `make run` boots: QEMU's TCG (AMD SVM) reaches the console
# prompt in seconds here, Bochs (Intel VMX) in half a minute or more.
EMU ?= qemu
# `make bench` measures Bochs unless EMU is given (EMU=qemu, EMU=kvm).
BENCH_EMU := $(if $(filter command line environment,$(origin EMU)),$(EMU),bochs)
CONFIG ?= configs/default.cfg
# `make run KERNEL=path [INITRD=path] [APPEND="..."] [FORMAT=linux|multiboot]
# [ALONE=1]`: one more partition, `user`, booting a kernel from this host,
# beside the config's partitions or alone (tools/mkesp.py --kernel). The
# machine then gets the CPUs that partition needs, and 1 GiB.
ESP_USER := $(if $(KERNEL),--kernel $(KERNEL) $(if $(INITRD),--initrd $(INITRD)) \
	$(if $(APPEND),--append "$(APPEND)") $(if $(FORMAT),--format $(FORMAT)) \
	$(if $(ALONE),--alone))
USER_CPUS = $(shell $(PYTHON) tools/mkesp.py --efi - --config $(CONFIG) --out - \
	--print-cpus $(ESP_USER))
CPUS ?= $(if $(KERNEL),$(USER_CPUS),4)
MEM ?= $(if $(KERNEL),1024,512)
PYTHON ?= /usr/bin/python3

CC := gcc
LD := ld
OBJCOPY := objcopy
HOST_CC ?= gcc

# Debian packages everything here needs (see `make deps`).
DEB_PACKAGES := gcc make binutils gnu-efi mtools bochs bochsbios vgabios ovmf \
	qemu-system-x86 python3 python3-pexpect python3-pytest python3-pytest-xdist \
	libcmocka-dev libtsan2 clang libclang-rt-14-dev

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes
INCLUDES := -Ihv/include -Iarch/x86_64/include -Idrivers/include

# ---------------------------------------------------------------- the core
# Freestanding, position independent (the loader relocates it), no SSE
# (guest FPU state is never touched by the hypervisor), no red zone
# (exceptions push onto the current stack).
CORE_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdlib -fpie \
	-fvisibility=hidden -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer $(WARN) $(INCLUDES) $(CORE_DEFS)
CORE_LDFLAGS := -nostdlib -pie --no-dynamic-linker -z noexecstack -z norelro \
	--no-warn-rwx-segments --no-undefined -T linker.ld

CORE_C := $(wildcard hv/*.c hv/lib/*.c hv/console/*.c hv/devices/*.c arch/x86_64/*.c \
	arch/x86_64/vmx/*.c arch/x86_64/svm/*.c drivers/*.c)
CORE_S := $(wildcard arch/x86_64/*.S arch/x86_64/vmx/*.S arch/x86_64/svm/*.S)
HEADERS := $(wildcard hv/include/tessera/*.h hv/*.h arch/x86_64/include/arch/*.h \
	arch/x86_64/include/arch/*.inc \
	arch/x86_64/vmx/*.h arch/x86_64/svm/*.h drivers/include/drivers/*.h boot/*.h)

# ---------------------------------------------------------------- the loader
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CFLAGS := -std=c11 -O2 -ffreestanding -fno-builtin -fpic -fshort-wchar -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-stack-check -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -DTESSERA_LOADER -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	$(WARN) -Wno-missing-prototypes -Wno-strict-prototypes $(INCLUDES)
EFI_LDFLAGS := -nostdlib -shared -Bsymbolic -znocombreloc -L$(EFI_LIB) \
	-T $(EFI_LIB)/elf_x86_64_efi.lds $(EFI_LIB)/crt0-efi-x86_64.o
# Portable pieces the loader shares with the core.
LOADER_SHARED := hv/config.c hv/config_check.c hv/lib/format.c hv/lib/strutil.c \
	hv/lib/diag.c hv/lib/elf.c hv/lib/string.c drivers/uart16550.c
LOADER_C := $(wildcard boot/*.c) $(LOADER_SHARED)

# ---------------------------------------------------------------- outputs
# A build variant lives in its own directory: $(BUILD)/image (normal),
# $(BUILD)/fault (TESSERA_SELFTEST_FAULT, for the exception-report test)
# and $(BUILD)/hooks (TESSERA_TEST_HOOKS: HC_TEST_HOLD, a vCPU that does
# not stop, for the lifecycle test).
define image_rules
$(1)_DIR := $(BUILD)/$(1)
$(1)_CORE_OBJ := $$(patsubst %.c,$(BUILD)/$(1)/core/%.o,$(CORE_C)) \
	$$(patsubst %.S,$(BUILD)/$(1)/core/%.o,$(CORE_S))
$(1)_LOADER_OBJ := $$(patsubst %.c,$(BUILD)/$(1)/loader/%.o,$(LOADER_C)) \
	$(BUILD)/$(1)/loader/boot/core_blob.o

$(BUILD)/$(1)/core/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $$(dir $$@)
	$(CC) $(CORE_CFLAGS) $(2) -c $$< -o $$@
$(BUILD)/$(1)/core/%.o: %.S $(HEADERS) Makefile
	@mkdir -p $$(dir $$@)
	$(CC) $(CORE_CFLAGS) $(2) -c $$< -o $$@
$(BUILD)/$(1)/core.elf: $$($(1)_CORE_OBJ) linker.ld
	$(LD) $(CORE_LDFLAGS) -o $$@ $$($(1)_CORE_OBJ)
$(BUILD)/$(1)/loader/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $$(dir $$@)
	$(CC) $(EFI_CFLAGS) -c $$< -o $$@
# Embedded without debug info; core.elf keeps it for gdb.
$(BUILD)/$(1)/core.stripped: $(BUILD)/$(1)/core.elf
	$(OBJCOPY) --strip-debug $$< $$@
$(BUILD)/$(1)/loader/boot/core_blob.o: boot/core_blob.S $(BUILD)/$(1)/core.stripped
	@mkdir -p $$(dir $$@)
	$(CC) -c -DCORE_ELF_PATH='"$(BUILD)/$(1)/core.stripped"' $$< -o $$@
$(BUILD)/$(1)/loader.so: $$($(1)_LOADER_OBJ)
	$(LD) $(EFI_LDFLAGS) -o $$@ $$($(1)_LOADER_OBJ) -lefi -lgnuefi
$(BUILD)/$(1)/tessera.efi: $(BUILD)/$(1)/loader.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
		-j .rela -j '.rel.*' -j '.rela.*' -j .reloc --target=efi-app-x86_64 \
		--subsystem=10 $$< $$@
endef

$(eval $(call image_rules,image,))
$(eval $(call image_rules,fault,-DTESSERA_SELFTEST_FAULT))
$(eval $(call image_rules,hooks,-DTESSERA_TEST_HOOKS))
$(eval $(call image_rules,xapic,-DTESSERA_HOST_XAPIC))

EFI_IMAGE := $(BUILD)/image/tessera.efi

# Test guests (multiboot kernels that run in partitions): tests/guests/.
include tests/guests/guests.mk

.PHONY: all
all: $(EFI_IMAGE) $(BUILD)/host/tessera-check guests

# The ESP as a folder (Bochs vvfat) and as a FAT image (QEMU).
# `make esp CONFIG=file` chooses the config copied to \tessera\tessera.cfg.
.PHONY: esp
# A config with a Linux partition needs the Linux test guest too.
ESP_LINUX := $(if $(shell grep -qsi '^ *format *= *linux' $(CONFIG) && echo y),linux-guest)
esp: $(EFI_IMAGE) guests $(ESP_LINUX)
	$(PYTHON) tools/mkesp.py --efi $(EFI_IMAGE) --config $(CONFIG) --out $(BUILD)/esp $(ESP_USER)

# `make bench`'s bare multiboot loader: runs a guest on the machine
# without Tessera, for comparison (tools/bench/mbboot.c).
$(BUILD)/bench/mbboot.efi: tools/bench/mbboot.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $(BUILD)/bench/mbboot.o
	$(LD) $(EFI_LDFLAGS) -o $(BUILD)/bench/mbboot.so $(BUILD)/bench/mbboot.o -lefi -lgnuefi
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
		-j .rela -j '.rel.*' -j '.rela.*' -j .reloc --target=efi-app-x86_64 \
		--subsystem=10 $(BUILD)/bench/mbboot.so $@

# The Linux test guest: Debian's cloud kernel and a busybox initramfs,
# fetched with `apt-get download` (tools/linux-guest.py, docs/linux-guests.md).
LINUX_GUEST := $(BUILD)/linux/vmlinuz $(BUILD)/linux/initrd.img
$(LINUX_GUEST) &: tools/linux-guest.py
	@mkdir -p $(BUILD)/linux
	$(PYTHON) tools/linux-guest.py --out $(BUILD)/linux

.PHONY: linux-guest
linux-guest: $(LINUX_GUEST)

# ---------------------------------------------------------------- host side
# Portable files: no arch code, no firmware. They compile unchanged on the
# host (TESSERA_HOSTED) for the unit tests and tools.
PORTABLE_SRCS := hv/lib/format.c hv/lib/strutil.c hv/lib/diag.c hv/lib/elf.c \
	hv/pmm.c hv/memmap.c hv/acpi.c hv/cpus.c hv/config.c hv/config_check.c arch/x86_64/gmap.c hv/multiboot.c \
	hv/vuart.c hv/ring.c hv/lineout.c hv/console/lineedit.c hv/console/cmd.c \
	hv/linux_boot.c hv/acpi_build.c hv/acpi_pm.c hv/vpic.c hv/lifecycle.c hv/events.c \
	hv/guest_out.c hv/multiboot2.c hv/mb_load.c hv/guest_walk.c hv/vlapic.c hv/irq_queue.c hv/irq_route.c hv/guest_layout.c $(wildcard hv/devices/*.c arch/x86_64/insn_decode.c arch/x86_64/mmio_emul.c)
HOST_CFLAGS := -std=c11 -O1 -g $(WARN) -DTESSERA_HOSTED -Ihv/include -Iarch/x86_64/include \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(wildcard tests/unit/test_*.c))
# tsan_*.c: the same portable code with several threads, under ThreadSanitizer.
TSAN_CFLAGS := $(filter-out -fsanitize=address%,$(HOST_CFLAGS)) -fsanitize=thread -pthread
TSAN_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(wildcard tests/unit/tsan_*.c))
TSAN_OBJS := $(patsubst %.c,$(BUILD)/host/tsan/%.o,$(PORTABLE_SRCS))

# Each portable file is compiled once for all the test programs.
PORTABLE_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(PORTABLE_SRCS))

$(BUILD)/host/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(BUILD)/host/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(PORTABLE_OBJS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Itests/unit -o $@ $< $(PORTABLE_OBJS) -lcmocka

$(BUILD)/host/tsan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TSAN_CFLAGS) -c -o $@ $<

$(BUILD)/host/tsan_%: tests/unit/tsan_%.c $(TSAN_OBJS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TSAN_CFLAGS) -o $@ $< $(TSAN_OBJS)

# Keep the objects between runs (they are intermediate files to make).
.SECONDARY:

CHECK_SRCS := hv/config.c hv/config_check.c hv/lib/format.c hv/lib/strutil.c hv/lib/diag.c
$(BUILD)/host/tessera-check: tools/tessera-check.c $(CHECK_SRCS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c11 -O2 $(WARN) -DTESSERA_HOSTED -Ihv/include -o $@ $< $(CHECK_SRCS)

.PHONY: unit
unit: $(UNIT_TESTS) $(TSAN_TESTS)
	@set -e; for t in $(UNIT_TESTS) $(TSAN_TESTS); do echo "== $$t"; $$t; done

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses of the portable code (tests/fuzz/README.md), built
# with Debian's clang. The portable files get coverage instrumentation
# (fuzzer-no-link) and the same sanitizers as the unit tests; each harness
# links them with libFuzzer's main. A run fuzzes a copy of the seed corpus
# in $(BUILD)/fuzz/corpus/NAME (kept between runs, so it grows), writes
# crashing inputs to $(BUILD)/fuzz/artifacts/ and its log to
# $(BUILD)/fuzz/logs/NAME.log, and fails on any crash, leak, UB report,
# failed invariant or input slower than FUZZ_TIMEOUT seconds.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_TIMEOUT ?= 10
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g $(WARN) -DTESSERA_HOSTED -Ihv/include -Iarch/x86_64/include \
	$(FUZZ_SAN)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(PORTABLE_SRCS))

$(BUILD)/fuzz/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_OBJS) $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(FUZZ_OBJS)

# Run every harness for $(1) seconds, one after the other.
define fuzz_run
	@set -e; mkdir -p $(BUILD)/fuzz/logs $(BUILD)/fuzz/artifacts; \
	for n in $(FUZZ_NAMES); do \
		c=$(BUILD)/fuzz/corpus/$$n; mkdir -p $$c; cp tests/fuzz/corpus/$$n/* $$c/; \
		log=$(BUILD)/fuzz/logs/$$n.log; \
		dict=; if [ -f tests/fuzz/$$n.dict ]; then dict=-dict=tests/fuzz/$$n.dict; fi; \
		if $(BUILD)/fuzz/fuzz_$$n -max_total_time=$(1) -timeout=$(FUZZ_TIMEOUT) \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/artifacts/$$n- \
			$$dict $$c >$$log 2>&1; then \
			printf 'fuzz: %-10s %s\n' $$n \
				"$$(grep -E '^#[0-9]+' $$log | tail -n 1 | sed 's/[[:space:]][[:space:]]*/ /g')"; \
		else \
			tail -n 40 $$log; echo "fuzz: $$n FAILED (log: $$log)"; exit 1; \
		fi; \
	done
endef

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))
fuzz-smoke: fuzz-build
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

# ---------------------------------------------------------------- running
.PHONY: deps
deps:
	@sh tools/deps.sh $(DEB_PACKAGES)

.PHONY: run
run: deps esp
	$(PYTHON) tools/emu.py run --emu $(EMU) --cpus $(CPUS) --mem $(MEM) --esp $(BUILD)/esp

# ---------------------------------------------------------------- benchmarks
# Measured figures, printed and written to $(BUILD)/bench/results.json.
.PHONY: bench
bench: deps $(EFI_IMAGE) guests $(BUILD)/bench/mbboot.efi $(LINUX_GUEST)
	TESSERA_BUILD=$(BUILD) $(PYTHON) tools/bench.py --emu $(BENCH_EMU)

# ---------------------------------------------------------------- tests
# Integration tests boot the real image in Bochs (Intel VMX) and QEMU TCG
# (AMD SVM), every test on both (TESSERA_ENGINES=bochs or qemu narrows a
# run to one), and read the serial console.
.PHONY: fault-image hooks-image xapic-image
fault-image: $(BUILD)/fault/tessera.efi
hooks-image: $(BUILD)/hooks/tessera.efi
xapic-image: $(BUILD)/xapic/tessera.efi

# Test files run in parallel, one emulator per job (pytest-xdist): each
# file boots its own machines, and a file stays on one job.
TEST_JOBS ?= 2

.PHONY: test
test: deps
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) all fault-image hooks-image xapic-image linux-guest
	TESSERA_BUILD=$(BUILD) $(PYTHON) -m pytest -v -n $(TEST_JOBS) --dist loadfile --durations=0 \
		tests/integration

.PHONY: clean
clean:
	rm -rf $(BUILD)

.PHONY: help
help:
	@echo "Tessera - a partitioning hypervisor for x86-64 (see README.md)"
	@echo
	@echo "  make            build $(EFI_IMAGE) and $(BUILD)/host/tessera-check"
	@echo "  make run        boot it in an emulator, serial console on this terminal"
	@echo "                  (Ctrl-A x quits). Variables:"
	@echo "                    EMU=qemu|bochs|kvm  (default qemu: TCG with AMD SVM, the"
	@echo "                      fastest here; bochs: Intel VMX; kvm: nested KVM)"
	@echo "                    CPUS=N  (default 4)   MEM=MiB (default 512)"
	@echo "                    CONFIG=file (default configs/default.cfg)"
	@echo "                    KERNEL=path: one more partition booting a host kernel,"
	@echo "                      with INITRD=path APPEND=\"args\" FORMAT=linux|multiboot"
	@echo "                      ALONE=1 (without the config's partitions)"
	@echo "  make test       unit tests, then every boot test under Bochs (VMX) and QEMU (SVM)"
	@echo "                  (a Linux partition too: fetches the Linux test guest)"
	@echo "  make unit       host unit tests only (with ThreadSanitizer tests of shared code)"
	@echo "  make fuzz       run every libFuzzer harness (tests/fuzz) FUZZ_SECONDS=N each"
	@echo "                  (default 60); make test runs each for FUZZ_SMOKE_SECONDS (5)"
	@echo "  make fault-image  the test build that faults in the core ($(BUILD)/fault)"
	@echo "  make hooks-image  the test build with test hooks, e.g. HC_TEST_HOLD ($(BUILD)/hooks)"
	@echo "  make xapic-image  the test build that drives the host APICs in xAPIC mode ($(BUILD)/xapic)"
	@echo "  make bench      measure exit costs, partition vs bare, sizes"
	@echo "                  (default Bochs; EMU=qemu or EMU=kvm for the others)"
	@echo "  make esp        lay out the EFI system partition in $(BUILD)/esp"
	@echo "  make linux-guest  fetch Debian's cloud kernel and busybox (apt-get download)"
	@echo "                  and build the Linux test guest in $(BUILD)/linux"
	@echo "  make deps       install the Debian packages needed (apt-get, as root)"
	@echo "  make clean      remove $(BUILD)"
