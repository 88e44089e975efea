# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdplb: XDP layer-4 load balancer.  `make help` lists the targets.

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
PREFIX ?= /usr/local
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/')

# Where clang looks for system headers when not targeting bpf: BPF code needs them with
# -idirafter (libbpf-bootstrap does the same), e.g. for asm/ headers on some distributions.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_CFLAGS = -g -O2 -target bpf $(BPF_CPU) -D__TARGET_ARCH_$(ARCH) -Iinclude -Ibpf -I. \
	$(CLANG_BPF_SYS_INCLUDES) -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
CFLAGS += -DXDPLB_VERSION=\"0.1.0\"
CFLAGS += -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-iquote include -iquote loader -iquote $(OUTPUT) \
	$(shell pkg-config --cflags libbpf libxdp json-c libnl-route-3.0 openssl libmicrohttpd libpcap 2>/dev/null)
LDLIBS += $(shell pkg-config --libs libbpf libxdp json-c libnl-route-3.0 openssl libmicrohttpd \
	libpcap 2>/dev/null || \
	echo -lbpf -lxdp -ljson-c -lnl-route-3 -lnl-3 -lssl -lcrypto -lmicrohttpd -lpcap) -lelf -lz -lm

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h) vmlinux.h

# loader/: the commands (cli/), the daemon (daemon/), the state library (lib/), health
# checking (health/), scheduler tables (sched/), what they all use (util/).
LOADER_SRCS := $(wildcard loader/*/*.c)
LOADER_HDRS := $(wildcard loader/*/*.h)
LOADER_OBJS := $(patsubst loader/%.c,$(OUTPUT)/loader/%.o,$(LOADER_SRCS))
# Everything of the loader but main(): unit tests and benchmarks link it too.
LIB_OBJS := $(filter-out $(OUTPUT)/loader/cli/main.o,$(LOADER_OBJS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
# The packet-path fuzzer (tests/fuzz/): one binary of all its sources, linked as the unit tests.
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BIN := $(OUTPUT)/tests/fuzz_packet
FUZZ_PACKETS ?= 10000000
# The control-plane fuzzers (tests/fuzz/cp/): one libFuzzer binary per fuzz_*.c, built by clang
# with AddressSanitizer and UBSan over the loader's sources compiled again into their own
# objects under $(OUTPUT)/fuzz-cp/ (the product is built as always, by $(CC)).  `make fuzz`
# runs each for FUZZ_CP_SECS seconds.
FUZZ_CP_NAMES := $(patsubst tests/fuzz/cp/%.c,%,$(wildcard tests/fuzz/cp/fuzz_*.c))
FUZZ_CP_OUT := $(OUTPUT)/fuzz-cp
FUZZ_CP_BINS := $(addprefix $(FUZZ_CP_OUT)/,$(FUZZ_CP_NAMES))
FUZZ_CP_OBJS := $(patsubst loader/%.c,$(FUZZ_CP_OUT)/loader/%.o, \
	$(filter-out loader/cli/main.c,$(LOADER_SRCS))) $(FUZZ_CP_OUT)/common.o
FUZZ_CP_CFLAGS = $(CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -iquote tests/fuzz/cp
FUZZ_CP_SECS ?= 180
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))
# Benchmark harness programs (bench/*.bpf.c): objects and skeletons in $(OUTPUT)/bench/, the
# binaries include them as "bench/NAME.skel.h".
BENCH_BPF_SRCS := $(wildcard bench/*.bpf.c)
BENCH_SKELS := $(patsubst bench/%.bpf.c,$(OUTPUT)/bench/%.skel.h,$(BENCH_BPF_SRCS))

define newline


endef

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all bpf loader deps test unit e2e fuzz bench bench-bins demo demo-clean check format vmlinux install \
	uninstall clean help
.DELETE_ON_ERROR:
.SECONDARY:

all: loader

help:
	@echo 'make [V=1] TARGET'
	@echo '  all (default)  build the BPF objects, skeletons and $(OUTPUT)/xdplb'
	@echo '  deps           install the Debian packages needed (root), mount bpffs'
	@echo '  test           deps + build + every test suite (unit, e2e); root'
	@echo '  unit           BPF_PROG_TEST_RUN unit tests only (root)'
	@echo '  e2e            end-to-end tests in network namespaces only (root)'
	@echo '  fuzz           packet-path fuzzer: FUZZ_PACKETS (10 million) packets, every path'
	@echo '                 (root); tests/fuzz/known-failures lists the expected failures;'
	@echo '                 then each control-plane fuzzer (tests/fuzz/cp) for FUZZ_CP_SECS'
	@echo '                 ($(FUZZ_CP_SECS)) seconds'
	@echo '  bench          benchmarks: per-packet, veth throughput, control plane (root);'
	@echo '                 BENCH="veth ctl" runs some parts (packet, veth, ctl)'
	@echo '  demo           a client, a balancer and three nginx backends in namespaces'
	@echo '  demo-clean     remove what demo created'
	@echo '  check          clang-format check and static analysis'
	@echo '  format         reformat the C sources in place'
	@echo '  vmlinux        regenerate vmlinux.h from the running kernel'
	@echo '  install        binary, man page, bash completion, systemd units (PREFIX=$(PREFIX),'
	@echo '                 DESTDIR honoured; SBINDIR MANDIR BASHCOMPDIR SYSTEMDDIR override);'
	@echo '                 IPVSADM=1 also links ipvsadm to xdplb (ipvsadm'"'"'s command line)'
	@echo '  uninstall      remove what install put in place'
	@echo '  clean          remove $(OUTPUT)'

deps:
	$(Q)bash .ci/deps.sh

$(OUTPUT) $(OUTPUT)/loader $(OUTPUT)/tests $(OUTPUT)/bench:
	$(Q)mkdir -p $@

bpf: $(SKELS)

# The balancer uses atomics that return a value (fetch-and-add, compare-and-swap): those
# need BPF ISA v3.  Only there: clang 14's v3 code generation spills some packet pointers
# in 32 bits, which the verifier rejects (it did in the decap program).
$(OUTPUT)/xdplb.bpf.o: BPF_CPU := -mcpu=v3

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(OUTPUT)/$*.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $(OUTPUT)/$*.tmp.bpf.o
	$(Q)rm -f $(OUTPUT)/$*.tmp.bpf.o

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

loader: $(OUTPUT)/xdplb

$(OUTPUT)/loader/%.o: loader/%.c $(LOADER_HDRS) $(wildcard include/*.h) $(SKELS) \
		| $(OUTPUT)/loader
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/xdplb: $(LOADER_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJS) $(SKELS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -iquote tests/unit $< $(LIB_OBJS) $(LDLIBS) -o $@

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard tests/fuzz/*.h) $(wildcard tests/unit/*.h) $(LIB_OBJS) \
		$(SKELS) | $(OUTPUT)/tests
	$(call msg,FUZZ,$@)
	$(Q)$(CC) $(CFLAGS) -iquote tests/unit -iquote tests/fuzz $(FUZZ_SRCS) $(LIB_OBJS) $(LDLIBS) \
		-o $@

$(FUZZ_CP_OUT)/loader/%.o: loader/%.c $(LOADER_HDRS) $(wildcard include/*.h) $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CP_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_CP_OUT)/common.o: tests/fuzz/cp/common.c tests/fuzz/cp/fuzz_cp.h $(LOADER_HDRS) $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CP_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_CP_OUT)/fuzz_%: tests/fuzz/cp/fuzz_%.c tests/fuzz/cp/fuzz_cp.h $(FUZZ_CP_OBJS)
	$(call msg,FUZZ-CP,$@)
	$(Q)$(CLANG) $(FUZZ_CP_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_CP_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/bench/%: bench/%.c $(wildcard bench/*.h) $(LIB_OBJS) $(SKELS) | $(OUTPUT)/bench
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CFLAGS) -iquote bench -iquote tests/unit $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/bench/%.bpf.o: bench/%.bpf.c $(wildcard bench/*.h) $(BPF_HDRS) | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(OUTPUT)/bench/$*.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $(OUTPUT)/bench/$*.tmp.bpf.o
	$(Q)rm -f $(OUTPUT)/bench/$*.tmp.bpf.o

$(OUTPUT)/bench/%.skel.h: $(OUTPUT)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BENCH_BINS): $(BENCH_SKELS)

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(FUZZ_BIN) $(FUZZ_CP_BINS)
	$(Q)bash tests/run.sh

unit: all $(UNIT_BINS)
	$(Q)bash tests/run.sh unit

e2e: all
	$(Q)bash tests/run.sh e2e

fuzz: all $(FUZZ_BIN) $(FUZZ_CP_BINS)
	$(Q)FUZZ_PACKETS=$(FUZZ_PACKETS) FUZZ_CP_SECS=$(FUZZ_CP_SECS) bash tests/run.sh fuzz-full

bench: deps
	$(Q)$(MAKE) --no-print-directory bench-bins
	$(Q)bash bench/run.sh $(BENCH)

# The loader, the BPF objects and the benchmark binaries, up to date with the sources (the
# scripts in bench/ run this first: a bench binary embeds the data plane's skeleton, and one
# built before a change to bpf/ measures the old data plane).
bench-bins: all $(BENCH_BINS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/e2e/demo.sh up

demo-clean:
	$(Q)bash tests/e2e/demo.sh down

check:
	$(Q)clang-format --dry-run -Werror bpf/*.c bpf/*.h loader/*/*.c loader/*/*.h include/*.h \
		tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h tests/fuzz/cp/*.c \
		tests/fuzz/cp/*.h bench/*.c bench/*.h
	@# cppcheck does not read libbpf's headers (unknownMacro: LIBBPF_OPTS) and misreads
	@# positional printf arguments (%1$$s) in the help texts.
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --suppress=unknownMacro \
		--suppress=invalidPrintfArgType_s --suppress=invalidPrintfArgType_uint \
		-Iinclude -Iloader loader/

format:
	$(Q)clang-format -i bpf/*.c bpf/*.h loader/*/*.c loader/*/*.h include/*.h tests/unit/*.c \
		tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h tests/fuzz/cp/*.c tests/fuzz/cp/*.h \
		bench/*.c bench/*.h

vmlinux:
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

# Where things go: PREFIX (default /usr/local), staged under DESTDIR for packaging.
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
# systemd units of the loader (e.g. the health-check daemon's), if there are any
UNITS := $(wildcard loader/*.service loader/*.timer systemd/*.service systemd/*.timer)

# IPVSADM=1: also an "ipvsadm" link to xdplb (it takes ipvsadm's command line when run so).
IPVSADM ?=

install: $(OUTPUT)/xdplb
	install -D -m 0755 $(OUTPUT)/xdplb $(DESTDIR)$(SBINDIR)/xdplb
	$(if $(filter 1 yes,$(IPVSADM)),ln -sf xdplb $(DESTDIR)$(SBINDIR)/ipvsadm)
	install -D -m 0644 loader/xdplb.8 $(DESTDIR)$(MANDIR)/man8/xdplb.8
	install -D -m 0644 completion/xdplb.bash $(DESTDIR)$(BASHCOMPDIR)/xdplb
	$(foreach u,$(UNITS),install -D -m 0644 $(u) $(DESTDIR)$(SYSTEMDDIR)/$(notdir $(u)) && \
		sed -i 's|@SBINDIR@|$(SBINDIR)|g' $(DESTDIR)$(SYSTEMDDIR)/$(notdir $(u))$(newline))

uninstall:
	@# the ipvsadm link only when it is ours
	if [ "$$(readlink $(DESTDIR)$(SBINDIR)/ipvsadm 2>/dev/null)" = xdplb ]; then \
		rm -f $(DESTDIR)$(SBINDIR)/ipvsadm; fi
	rm -f $(DESTDIR)$(SBINDIR)/xdplb $(DESTDIR)$(MANDIR)/man8/xdplb.8 \
		$(DESTDIR)$(BASHCOMPDIR)/xdplb \
		$(foreach u,$(UNITS),$(DESTDIR)$(SYSTEMDDIR)/$(notdir $(u)))

clean:
	$(Q)rm -rf $(OUTPUT)
