# eport: make; make check; make check-asan; make check-valgrind; make stress; make install PREFIX= DESTDIR=; make demo
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share/eport
MANDIR ?= $(PREFIX)/share/man
# where objects and binaries go: O=asan for the sanitizer build
O ?= build

PKGS = lmdb libgit2 libarchive libpcsclite openssl jansson
CC ?= cc
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib \
	-DSHAREDIR='"$(SHAREDIR)"' $(CFLAGS) $(SAN) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS) $(SAN)

LIB_SRC = $(sort $(wildcard lib/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
HELPER_SRC = $(sort $(wildcard t/helper/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
CMDS = $(CMD_SRC:cmd/%.c=$(O)/bin/%)
HELPERS = $(HELPER_SRC:t/helper/%.c=$(O)/bin/%)
MAN1 = $(wildcard man/man1/*.1)
MAN5 = $(wildcard man/man5/*.5)
MAN7 = $(wildcard man/man7/*.7)

all: $(CMDS) $(HELPERS)

$(O)/lib/%.o: lib/%.c lib/eport.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libeport.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(O)/bin/%: cmd/%.c $(O)/libeport.a lib/eport.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libeport.a $(LDLIBS)

$(O)/bin/%: t/helper/%.c $(O)/libeport.a lib/eport.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libeport.a $(LDLIBS)

deps:
	@./tools/deps

# The test suite: TAP scripts run by prove, against the binaries of $(O).
PROVE ?= prove
test: all
	EPORT_BIN=$(CURDIR)/$(O)/bin EPORT_SHARE=$(CURDIR)/share/eport \
	EPORT_SRC=$(CURDIR) $(PROVE) $(PROVEFLAGS) t/*.t

SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN = $(if $(filter asan%,$(O)),$(SANFLAGS))
check-asan: deps
	$(MAKE) O=asan CFLAGS='-O1 -g' test

# The command tests once more, each program run under valgrind's memcheck
# (tools/valgrind).  The 09xx tests are left to ASan: they time their kills,
# race four writers, or unpack hundreds of MiB.
VALGRIND_TESTS = $(filter-out t/09%,$(wildcard t/0*.t))
check-valgrind: deps all
	EPORT_SHARE=$(CURDIR)/share/eport PROVEFLAGS="-j2 $(PROVEFLAGS)" \
		./tools/valgrind $(O)/bin $(O)/valgrind $(VALGRIND_TESTS)

# The 09xx tests (crashes, races, git maintenance beside writers) with
# prove -j4, STRESS_RUNS times under ASan: a test that fails one run in ten
# under load is a bug.  Each run's output is kept in asan/stress/.
STRESS_RUNS ?= 20
stress: deps
	$(MAKE) O=asan CFLAGS='-O1 -g' all
	@rm -rf asan/stress && mkdir -p asan/stress && pass=0 && \
	for i in $$(seq $(STRESS_RUNS)); do \
		if EPORT_BIN=$(CURDIR)/asan/bin EPORT_SHARE=$(CURDIR)/share/eport \
		    EPORT_SRC=$(CURDIR) $(PROVE) -j4 $(PROVEFLAGS) t/09*.t \
		    >asan/stress/run-$$i.log 2>&1; then \
			pass=$$((pass + 1)); \
		else \
			echo "stress: run $$i failed: asan/stress/run-$$i.log"; \
		fi; \
		echo "stress: $$pass of $$i passed"; \
	done; \
	test $$pass = $(STRESS_RUNS)

check: deps
	$(MAKE) test
	$(MAKE) check-asan
	$(MAKE) check-valgrind
	$(MAKE) fuzz-smoke

demo: deps all
	EPORT_BIN=$(CURDIR)/$(O)/bin EPORT_SHARE=$(CURDIR)/share/eport EPORT_SRC=$(CURDIR) ./tools/demo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)
	cp -R share/eport/. $(DESTDIR)$(SHAREDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/eport.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/eport
	install -m 644 completions/_eport $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 completions/eport.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	for c in $(filter-out eport,$(CMDS:$(O)/bin/%=%)); do \
		ln -sf eport $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$c; \
		ln -sf eport.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$c.fish; done

bench: all
	EPORT_BIN=$(CURDIR)/$(O)/bin EPORT_SHARE=$(CURDIR)/share/eport ./bench/run

clean:
	rm -rf build asan vg

.PHONY: all deps test check check-asan check-valgrind stress demo install bench clean

# Fuzzing: libFuzzer targets fuzz/fuzz-*.c, with libeport built again by
# clang (never gcc's objects) in $(FO).  make fuzz runs each FUZZ_SECONDS,
# make fuzz-smoke 10 s each; what they find goes to fuzz/crashes/.
FUZZ_CC = clang
FO = $(O)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib -g -O1 \
	-DSHAREDIR='"$(CURDIR)/share/eport"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_TARGETS = $(patsubst fuzz/%.c,$(FO)/%,$(wildcard fuzz/fuzz-*.c))

$(FO)/lib/%.o: lib/%.c lib/eport.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FO)/libeport.a: $(LIB_SRC:%.c=$(FO)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(FO)/fuzz-%: fuzz/fuzz-%.c $(FO)/libeport.a lib/eport.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FO)/libeport.a $(LDLIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz: fuzz-build
	./fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	./fuzz/run 10 $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-build fuzz-smoke
