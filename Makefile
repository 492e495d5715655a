# maillogsentinel — one flat GNU Makefile.
#
#   make            build every tool into $(OUT)/bin
#   make check      the layer check, then build and run every test (unit, cases, bats, man lint)
#   make check SAN=1  the same with AddressSanitizer + UBSan (separate build dir)
#   make fuzz FUZZ_SECONDS=N  every libFuzzer target for N seconds (clang, ASan + UBSan)
#   make bench      every benchmark, written to bench/RESULTS.md (hyperfine)
#   make run        demo: the main job on the bundled sample log
#   make install    PREFIX=/usr/local DESTDIR= [WITH_SYSUSERS=yes] [REPORT_VIA=smtp]
#
# Adding a module: drop lib/foo.cpp (+ lib/foo.h) and tests/unit/foo_test.cpp;
# adding a tool: tools/<name>/main.cpp. Nothing here needs editing for either.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DOCDIR  ?= $(PREFIX)/share/doc/maillogsentinel
# WITH_SYSUSERS=yes: also sysusers.d(5) and tmpfiles.d(5) files (the service
# user and its directories, made by systemd-sysusers / systemd-tmpfiles).
WITH_SYSUSERS ?= no
# REPORT_VIA=smtp: the report unit without the drop-in that lets Postfix's
# sendmail work in it (sendmail.conf), for [report] smtp_host delivery.
REPORT_VIA ?= sendmail
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

CXX      ?= g++
CXXSTD   := -std=c++20
WARN     := -Wall -Wextra -Wpedantic
ifeq ($(WERROR),1)
WARN     += -Werror
endif
ifeq ($(FUZZ),1)
# `make fuzz` builds this way (fuzz/README.md): clang's libFuzzer with ASan + UBSan.
CXX      := clang++
OPT      ?= -O1 -g
OUT      ?= build-fuzz
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CXXFLAGS += -fsanitize=fuzzer-no-link
else ifeq ($(SAN),1)
# -O1: what the sanitizer docs recommend, and a much cheaper compile in CI;
# -g1: line tables, all a sanitizer report needs, for less compile time than -g.
OPT      ?= -O1 -g1
OUT      ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# GCC 12 at -O1 with the sanitizers reports -Wmaybe-uninitialized inside
# libstdc++'s own <regex> and <functional> (false positives that -O2 does not
# show); the -O2 build keeps the warning.
WARN     += -Wno-maybe-uninitialized
else
OPT      ?= -O2 -g
OUT      ?= build
SANFLAGS :=
endif

# -iquote: our headers for #include "x.h" only, never in place of a system <x.h>.
CPPFLAGS += -iquote lib -I/usr/include/postgresql -D_FILE_OFFSET_BITS=64 -DMLS_VERSION='"$(VERSION)"'
CXXFLAGS += $(CXXSTD) $(WARN) $(OPT) $(SANFLAGS) -MMD -MP
LDFLAGS  += $(SANFLAGS)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# External libraries (Debian packages; see scripts/install-deps). Every tool gets
# LIBS_BASE; a tool that needs more names them in LIBS_<tool> (so mls-parse does
# not pay for libcurl's start-up). The unit tests link everything.
LIBS_BASE       := -lboost_program_options -lz
LIBS_mls-enrich := -lcares -lmaxminddb
LIBS_mls-ipinfo := -lmaxminddb -lcurl -larchive
MARIADB_CFLAGS  := $(shell pkg-config --cflags libmariadb 2>/dev/null || echo -I/usr/include/mariadb)
MARIADB_LIBS    := $(shell pkg-config --libs libmariadb 2>/dev/null || echo -lmariadb)
LIBS_mls-sql    := -lcrypto -lsqlite3 -lpq $(MARIADB_LIBS)
# mls-report reads the central database with mls-sql's connection code (lib/sql_reader.h).
LIBS_mls-report := -lcurl -lcrypto -lsqlite3 -lpq $(MARIADB_LIBS)
LIBS_mls-anonymize := -lcrypto
LIBS_mls-tail   := -lsystemd
LIBS_ALL        := $(LIBS_BASE) -lsystemd -lcares -lmaxminddb -lcurl -larchive -lcrypto -lsqlite3 -lpq \
                   $(MARIADB_LIBS)
CPPFLAGS        += $(MARIADB_CFLAGS)

LIB_SRC   := $(wildcard lib/*.cpp)
LIB_OBJ   := $(LIB_SRC:%.cpp=$(OUT)/obj/%.o)
ifneq ($(FUZZ_MODULES),)
# make fuzz: only the modules the targets link (from the replays' link maps).
LIB_OBJ   := $(FUZZ_MODULES:%=$(OUT)/obj/lib/%.o)
endif
LIBMLS    := $(OUT)/libmls.a

TOOLS     := $(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/main.cpp))))
TOOL_BINS := $(TOOLS:%=$(OUT)/bin/%)

UNIT_SRC  := $(wildcard tests/unit/*_test.cpp)
UNIT_OBJ  := $(UNIT_SRC:%.cpp=$(OUT)/obj/%.o)
UNIT_BIN  := $(OUT)/bin/unit_tests

MANPAGES  := $(wildcard man/*.[1-8])

# Fuzz targets: fuzz/NAME.cpp, each an LLVMFuzzerTestOneInput (fuzz/README.md).
FUZZ_TARGETS := $(filter-out replay_main,$(basename $(notdir $(wildcard fuzz/*.cpp))))
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(OUT)/fuzz/replay-%)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(OUT)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2

.PHONY: all check layers unit cli integration cases manlint bench run install clean deps \
        fuzz fuzz-run fuzz-replay
.DEFAULT_GOAL := all
# Keep tools' main.o (otherwise deleted as intermediates and rebuilt every time).
.SECONDARY:

all: $(TOOL_BINS)

$(OUT)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(OUT)/obj/fuzz/%.o: CPPFLAGS += -iquote fuzz

$(LIBMLS): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(OUT)/bin/%: $(OUT)/obj/tools/%/main.o $(LIBMLS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $< $(LIBMLS) $(LIBS_$*) $(LIBS_BASE) -o $@

$(UNIT_BIN): $(UNIT_OBJ) $(LIBMLS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $(UNIT_OBJ) $(LIBMLS) $(LIBS_ALL) -lgtest_main -lgtest -pthread -o $@

# ---- tests -----------------------------------------------------------------
# MLS_BIN tells the bats suites where the freshly built tools are.
export MLS_BIN := $(abspath $(OUT)/bin)
export MLS_SRCDIR := $(CURDIR)

unit: $(UNIT_BIN) $(TOOL_BINS)
	cd tests/unit && $(abspath $(UNIT_BIN)) --gtest_brief=1

# One PostgreSQL and one MariaDB for all the suites (tests/services/with-databases;
# `make check` starts them once for unit, cli and integration).
CLI_SUITES := $(wildcard tests/cli/*.bats)
ifeq ($(SAN),1)
# The sanitizer pass leaves out the fleet report's server suites (the same
# report_db code runs on SQLite in report-database.bats), the journal's
# SIGKILL storm (driver-faults.bats keeps the file's), two configurations on
# one dataset (driver-shared.bats: the locks, not memory), the driver's metrics
# file (driver-metrics.bats: promtool and timings; lib/metrics runs under the
# sanitizers in the unit tests), and the suites of the Python generators (no
# C++ of ours to watch): HACKING.md "CI time".
CLI_SUITES := $(filter-out tests/cli/report-database-%.bats tests/cli/driver-faults-journal.bats \
                tests/cli/driver-shared.bats tests/cli/driver-metrics.bats \
                tests/cli/gen-logins.bats tests/cli/genlog.bats \
                tests/cli/gendataset.bats tests/cli/journal-fixtures.bats,$(CLI_SUITES))
endif
cli: $(TOOL_BINS)
	tests/services/with-databases prove --timer --exec 'bats --tap' $(CLI_SUITES)

# Suites that start real services (unbound, ...) on loopback themselves.
INTEGRATION := $(wildcard tests/integration/*.bats)
ifeq ($(SAN),1)
# The sanitizer pass leaves out the mail delivery suites and the new operator's
# path (make install, --setup, delivery): they test Postfix, the SMTP server's
# answers and the installation, not our memory handling (HACKING.md "CI time").
INTEGRATION := $(filter-out tests/integration/report-%.bats tests/integration/new-operator.bats,\
                 $(INTEGRATION))
endif
integration: $(TOOL_BINS)
	$(if $(INTEGRATION),tests/services/with-databases prove --timer --exec 'bats --tap' $(INTEGRATION),@echo "integration: no suites")

# ---- fuzzing ------------------------------------------------------------------
# The replays: each target's entry point run by fuzz/replay_main.cpp, with the
# project's compiler (and the sanitizers under SAN=1), on the seeds made from
# the tests and on every input a fuzzer ever broke (fuzz/regressions/NAME/).
$(FUZZ_REPLAY): $(OUT)/fuzz/replay-%: $(OUT)/obj/fuzz/%.o $(OUT)/obj/fuzz/replay_main.o $(LIBMLS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $^ $(LIBS_ALL) -Wl,-Map=$@.map -o $@

fuzz-replay: $(FUZZ_REPLAY) $(TOOL_BINS)
	@rm -rf $(OUT)/fuzz/seeds
	fuzz/make-seeds $(OUT)/bin $(OUT)/fuzz/seeds >/dev/null
	@set -e; for t in $(FUZZ_TARGETS); do \
	  $(OUT)/fuzz/replay-$$t $(OUT)/fuzz/seeds/$$t $$(ls -d fuzz/regressions/$$t 2>/dev/null); done

# The fuzzers themselves: `make fuzz FUZZ_SECONDS=N` builds with clang (FUZZ=1,
# in build-fuzz/) and runs every target for N seconds, FUZZ_JOBS at a time.
$(FUZZ_BINS): $(OUT)/fuzz/%: $(OUT)/obj/fuzz/%.o $(LIBMLS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -fsanitize=fuzzer $^ $(LIBS_ALL) -o $@

# clang builds only the library modules the targets use: those the replays'
# links took from libmls.a (their link maps), about a third of the library.
fuzz:
	$(MAKE) --no-print-directory all $(FUZZ_REPLAY)
	$(MAKE) --no-print-directory FUZZ=1 FUZZ_MODULES="$$(grep -oh 'libmls\.a([a-z_0-9]*\.o)' \
	  $(FUZZ_REPLAY:=.map) | sed 's/^libmls\.a(//; s/\.o)$$//' | sort -u | tr '\n' ' ')" fuzz-run

fuzz-run: $(FUZZ_BINS)
	@rm -rf $(OUT)/seeds
	fuzz/make-seeds build/bin $(OUT)/seeds >/dev/null
	fuzz/run-fuzzers $(OUT) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# Who may include whom (HACKING.md "Layers"); reads HACKING.md's module map.
layers:
	scripts/check-layers

manlint:
	@rc=0; for m in $(MANPAGES); do \
	  mandoc -T lint -W warning $$m || rc=1; done; \
	  [ $$rc = 0 ] && echo "manlint: $(words $(MANPAGES)) pages clean"; exit $$rc

# The dependency installer first (a no-op when everything is there), so that
# `make check` works on a fresh machine as the README says.
check:
	scripts/install-deps
	scripts/check-layers
	@t=$$(date +%s); $(MAKE) --no-print-directory all $(UNIT_BIN) && \
	  echo "check: build: $$(($$(date +%s) - t)) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory fuzz-replay && \
	  echo "check: fuzz-replay: $$(($$(date +%s) - t)) s"
	tests/services/with-databases sh -c 'for s in unit cli integration; do t=$$(date +%s); \
	  $(MAKE) --no-print-directory $$s || exit 1; echo "check: $$s: $$(($$(date +%s) - t)) s"; done'
	$(MAKE) --no-print-directory manlint

bench: all
	bench/run-bench $(OUT)/bin

run:
	scripts/demo

deps:
	scripts/install-deps

# ---- install ---------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do install -m 0755 $(OUT)/bin/$$t $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MANPAGES); do s=$${m##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	install -d $(DESTDIR)$(UNITDIR)
	for u in systemd/*.service systemd/*.timer; do \
	  sed 's|@BINDIR@|$(BINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}; \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	if [ "$(REPORT_VIA)" != smtp ]; then \
	  install -d $(DESTDIR)$(UNITDIR)/maillogsentinel-report.service.d && \
	  install -m 0644 systemd/maillogsentinel-report.service.d/sendmail.conf \
	    $(DESTDIR)$(UNITDIR)/maillogsentinel-report.service.d/; fi
	install -d $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 0644 etc/maillogsentinel.conf.example $(DESTDIR)$(DOCDIR)/
	install -m 0644 etc/logrotate.d/maillogsentinel $(DESTDIR)$(SYSCONFDIR)/logrotate.d/
	if [ "$(WITH_SYSUSERS)" = yes ]; then \
	  install -d $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) && \
	  install -m 0644 systemd/maillogsentinel.sysusers $(DESTDIR)$(SYSUSERSDIR)/maillogsentinel.conf && \
	  install -m 0644 systemd/maillogsentinel.tmpfiles $(DESTDIR)$(TMPFILESDIR)/maillogsentinel.conf; fi

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(TOOLS:%=$(OUT)/obj/tools/%/main.d) \
         $(wildcard $(OUT)/obj/fuzz/*.d)
