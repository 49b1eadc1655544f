# eport: make; make check; make check-asan; make check-valgrind; make stress;
# make install PREFIX= DESTDIR=; make uninstall; make demo; make deb
VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share/eport
MANDIR ?= $(PREFIX)/share/man
# the message catalogues (po/LANG.po): LOCALEDIR/LANG/LC_MESSAGES/eport.mo
LOCALEDIR ?= $(PREFIX)/share/locale
# the office's layer of the rulebook and configuration: /etc/eport whatever
# the PREFIX, since identity settings are trusted only from there
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# fish looks in $(PREFIX)/share/fish only for PREFIX=/usr (or an
# XDG_DATA_DIRS naming it): elsewhere a conf.d snippet adds the directory
FISHCONFDIR ?= $(if $(filter /usr,$(PREFIX)),,$(SYSCONFDIR)/fish/conf.d)
# where objects and binaries go: O=asan for the sanitizer build
O ?= build

PKGS = lmdb libgit2 libarchive libpcsclite openssl jansson xlsxwriter cairo pangocairo fontconfig \
	libqrencode expat
CC ?= cc
CFLAGS ?= -O2 -g
# warnings are errors in make check and CI (WERROR=-Werror), never in a
# user's make, where a newer compiler may warn of more
WERROR ?=
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Ilib -Icli \
	-DEPORT_VERSION='"$(VERSION)"' -DSHAREDIR='"$(SHAREDIR)"' \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' -DLOCALEDIR='"$(LOCALEDIR)"' $(CPPFLAGS) $(CFLAGS) $(SAN) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS) $(SAN)

LIB_SRC = $(sort $(wildcard lib/*.c))
# cli/: the commands' layer above libeport, what prints and exits (die,
# refuse, the start of a command, the loops over stdin); lib/ never does
CLI_SRC = $(sort $(wildcard cli/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
HELPER_SRC = $(sort $(wildcard t/helper/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(O)/%.o)
CMDS = $(CMD_SRC:cmd/%.c=$(O)/bin/%)
HELPERS = $(HELPER_SRC:t/helper/%.c=$(O)/bin/%)
MAN1 = $(wildcard man/man1/*.1)
MAN5 = $(wildcard man/man5/*.5)
MAN7 = $(wildcard man/man7/*.7)
MAN8 = $(wildcard man/man8/*.8)
# the languages of po/, and their catalogues in the build, where the
# commands find them beside $(O)/bin as they find them in an install
LINGUAS = $(patsubst po/%.po,%,$(wildcard po/*.po))
MO = $(LINGUAS:%=$(O)/share/locale/%/LC_MESSAGES/eport.mo)

all: $(CMDS) $(HELPERS) $(MO)

# Everything is built again when the flags change (git's GIT-CFLAGS): so
# that make check's -Werror sees what a plain make built without it.
$(O)/FLAGS: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LDLIBS)' >$@.new
	@if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi

# -MMD: each object knows the headers it includes
$(O)/lib/%.o: lib/%.c $(O)/FLAGS
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/cli/%.o: cli/%.c $(O)/FLAGS
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libeport.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(O)/libeport-cli.a: $(CLI_OBJ)
	rm -f $@
	$(AR) rcs $@ $(CLI_OBJ)

$(O)/bin/%: cmd/%.c $(O)/libeport-cli.a $(O)/libeport.a $(O)/FLAGS
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $(O)/$*.d $(ALL_LDFLAGS) -o $@ $< $(O)/libeport-cli.a \
	    $(O)/libeport.a $(LDLIBS)

$(O)/bin/%: t/helper/%.c $(O)/libeport-cli.a $(O)/libeport.a $(O)/FLAGS
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $(O)/$*.d $(ALL_LDFLAGS) -o $@ $< $(O)/libeport-cli.a \
	    $(O)/libeport.a $(LDLIBS)

-include $(wildcard $(O)/*.d $(O)/lib/*.d $(O)/cli/*.d)

# Messages (DESIGN.md section 11): xgettext finds them by these names, the
# formats of die, warnx, refuse, pcsc_seterr, eport-fsck's problem and
# eport-export's vbad translated by those functions; po/exclude.pot keeps
# out what is no sentence ("%s").
XGETTEXT_FLAGS = --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
	--keyword=_ --keyword=N_ --keyword=die --keyword=warnx --keyword=refuse --keyword=eport_abort \
	--keyword=pcsc_seterr:2 --keyword=problem:2 --keyword=vbad:2 \
	--flag=die:1:c-format --flag=warnx:1:c-format --flag=refuse:1:c-format --flag=eport_abort:1:c-format \
	--flag=pcsc_seterr:2:c-format --flag=problem:2:c-format --flag=vbad:2:c-format \
	--flag=xasprintf:1:c-format --flag=buf_printf:2:c-format \
	--package-name=eport --package-version=$(VERSION) \
	--msgid-bugs-address=eport@xmport.example --exclude-file=po/exclude.pot

$(O)/share/locale/%/LC_MESSAGES/eport.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

# the template, from the sources as they are
$(O)/po/eport.pot: $(LIB_SRC) $(CLI_SRC) $(CMD_SRC) lib/eport.h lib/office.h po/exclude.pot
	@mkdir -p $(@D)
	xgettext $(XGETTEXT_FLAGS) -o $@ $(LIB_SRC) $(CLI_SRC) $(CMD_SRC)

# po/LANG.po brought up to the sources (new messages untranslated, changed
# ones fuzzy): then translate them
po: $(O)/po/eport.pot
	for l in $(LINGUAS); do msgmerge -q --update --backup=none --no-wrap --no-location po/$$l.po $<; done

# make check: every message of the sources translated, none fuzzy, none
# left in a catalogue that the sources no longer have
check-po: $(O)/po/eport.pot
	@for l in $(LINGUAS); do \
		msgmerge -q --no-wrap -o $(O)/po/$$l.po po/$$l.po $< || exit 2; \
		s=$$(LC_ALL=C msgfmt --statistics -o /dev/null $(O)/po/$$l.po 2>&1); \
		echo "po/$$l.po: $$s"; \
		case $$s in *fuzzy*|*untranslated*) \
			echo "po/$$l.po: not every message is translated: make po, then translate" >&2; \
			exit 1;; esac; \
		if grep -q '^#~' $(O)/po/$$l.po; then \
			echo "po/$$l.po: messages the sources no longer have: make po" >&2; exit 1; fi; \
	done

deps:
	@./tools/deps

# The test suite: TAP scripts run by prove, against the binaries of $(O).
PROVE ?= prove
T ?= $(sort $(wildcard t/*.t))
test: all check-headers check-layers
	EPORT_BIN=$(CURDIR)/$(O)/bin EPORT_SHARE=$(CURDIR)/share/eport \
	EPORT_SRC=$(CURDIR) $(PROVE) $(PROVEFLAGS) $(T)

# Each header of lib/ compiles alone (it includes what it uses) and twice
# (its guard), with the flags of the build.
LIB_H = $(sort $(wildcard lib/*.h)) $(sort $(wildcard cli/*.h))
check-headers:
	@for h in $(LIB_H); do \
		printf '#include "%s"\n#include "%s"\n' $${h##*/} $${h##*/} | \
		$(CC) $(ALL_CFLAGS) -fsyntax-only -x c - || \
		{ echo "check-headers: $$h does not compile alone" >&2; exit 1; }; \
	done

# The tests of the library alone (validators, rulebook, calendar): no
# daemon, no store tools; what a package build runs.
test-lib:
	$(MAKE) T='t/0300-ids.t t/0310-rules.t t/0600-cal.t' test

SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN = $(if $(filter asan%,$(O)),$(SANFLAGS))
# every sanitizer report logged and counted (tools/asan), not only those of
# runs whose stderr and status a test looks at
check-asan: deps
	$(MAKE) O=asan CFLAGS='-O1 -g' WERROR=-Werror all
	EPORT_SHARE=$(CURDIR)/share/eport PROVEFLAGS="$(PROVEFLAGS)" \
		./tools/asan asan/bin asan/reports $(T)

# The command tests once more, each program run under valgrind's memcheck
# (tools/valgrind).  The 09xx tests are left to ASan: they time their kills,
# race four writers, or unpack hundreds of MiB.
VALGRIND_TESTS = $(filter-out t/09%,$(wildcard t/0*.t))
check-valgrind: deps all
	EPORT_SHARE=$(CURDIR)/share/eport PROVEFLAGS="-j2 $(PROVEFLAGS)" \
		./tools/valgrind $(O)/bin $(O)/valgrind $(VALGRIND_TESTS)

# The 09xx tests (crashes, races, git maintenance beside writers) with
# prove -j4, STRESS_RUNS times under ASan (tools/asan: a sanitizer report
# fails the run too): a test that fails one run in ten under load is a bug.
# Each run's output is kept in asan/stress/.
STRESS_RUNS ?= 20
stress: deps
	$(MAKE) O=asan CFLAGS='-O1 -g' WERROR=-Werror all
	@rm -rf asan/stress && mkdir -p asan/stress && pass=0 && \
	for i in $$(seq $(STRESS_RUNS)); do \
		if EPORT_SHARE=$(CURDIR)/share/eport PROVEFLAGS="-j4 $(PROVEFLAGS)" \
		    ./tools/asan asan/bin asan/stress/reports-$$i t/09*.t \
		    >asan/stress/run-$$i.log 2>&1; then \
			pass=$$((pass + 1)); \
		else \
			echo "stress: run $$i failed: asan/stress/run-$$i.log"; \
		fi; \
		echo "stress: $$pass of $$i passed"; \
	done; \
	test $$pass = $(STRESS_RUNS)

check check-valgrind: WERROR = -Werror
check: deps
	$(MAKE) check-po
	$(MAKE) WERROR=-Werror test
	$(MAKE) check-asan
	$(MAKE) check-valgrind
	$(MAKE) fuzz-smoke

demo: deps all
	EPORT_BIN=$(CURDIR)/$(O)/bin EPORT_SHARE=$(CURDIR)/share/eport EPORT_SRC=$(CURDIR) ./tools/demo

CMD_NAMES = $(CMDS:$(O)/bin/%=%)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(SYSCONFDIR)/eport $(DESTDIR)$(PREFIX)/lib/eport/cgi \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)
	cp -R share/eport/. $(DESTDIR)$(SHAREDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	if [ -n "$(MAN8)" ]; then install -d $(DESTDIR)$(MANDIR)/man8 && install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8; fi
	for l in $(LINGUAS); do install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 $(O)/share/locale/$$l/LC_MESSAGES/eport.mo \
		$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES; done
	@# the web server's configuration names where this install put things
	sed 's|/usr/local|$(PREFIX)|g' share/eport/lighttpd.conf >$(DESTDIR)$(SHAREDIR)/lighttpd.conf
	ln -sf $(BINDIR)/eport-web $(DESTDIR)$(PREFIX)/lib/eport/cgi/eport-web
	@# the office's own files are never overwritten
	for f in etc/eport/*; do t=$(DESTDIR)$(SYSCONFDIR)/eport/$${f##*/}; \
		test -e "$$t" || install -m 644 "$$f" "$$t"; done
	install -m 644 completions/eport.bash $(DESTDIR)$(BASHCOMPDIR)/eport
	install -m 644 completions/_eport $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 completions/eport.fish $(DESTDIR)$(FISHCOMPDIR)
	for c in $(filter-out eport,$(CMD_NAMES)); do \
		ln -sf eport $(DESTDIR)$(BASHCOMPDIR)/$$c; \
		ln -sf eport.fish $(DESTDIR)$(FISHCOMPDIR)/$$c.fish; done
	if [ -n "$(FISHCONFDIR)" ]; then install -d $(DESTDIR)$(FISHCONFDIR) && \
		printf '%s\n' '# eport: its completions, installed under $(PREFIX)' \
		'contains -- $(FISHCOMPDIR) $$fish_complete_path' \
		'or set -p fish_complete_path $(FISHCOMPDIR)' \
		>$(DESTDIR)$(FISHCONFDIR)/eport.fish; fi

# What install wrote, but the office's files in $(SYSCONFDIR)/eport unless
# they are as installed.
uninstall:
	rm -f $(CMD_NAMES:%=$(DESTDIR)$(BINDIR)/%)
	rm -rf $(DESTDIR)$(SHAREDIR)
	rm -f $(DESTDIR)$(PREFIX)/lib/eport/cgi/eport-web
	-rmdir $(DESTDIR)$(PREFIX)/lib/eport/cgi $(DESTDIR)$(PREFIX)/lib/eport 2>/dev/null
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/%) \
		$(MAN7:man/%=$(DESTDIR)$(MANDIR)/%) $(MAN8:man/%=$(DESTDIR)$(MANDIR)/%)
	rm -f $(LINGUAS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/eport.mo)
	for f in etc/eport/*; do t=$(DESTDIR)$(SYSCONFDIR)/eport/$${f##*/}; \
		! cmp -s "$$f" "$$t" || rm -f "$$t"; done
	-rmdir $(DESTDIR)$(SYSCONFDIR)/eport 2>/dev/null
	rm -f $(CMD_NAMES:%=$(DESTDIR)$(BASHCOMPDIR)/%) $(DESTDIR)$(ZSHCOMPDIR)/_eport \
		$(CMD_NAMES:%=$(DESTDIR)$(FISHCOMPDIR)/%.fish) $(DESTDIR)$(FISHCOMPDIR)/eport.fish
	if [ -n "$(FISHCONFDIR)" ]; then rm -f $(DESTDIR)$(FISHCONFDIR)/eport.fish; fi

# The Debian package, built by dpkg-buildpackage from a copy of the tree in
# $(O)/deb (it puts the .deb beside the source): $(O)/deb/eport_*.deb.
# It installs nothing; the build dependencies must be there (make deps).
deb:
	rm -rf $(O)/deb && mkdir -p $(O)/deb/eport-$(VERSION)
	if git rev-parse --git-dir >/dev/null 2>&1; then git ls-files -co --exclude-standard; \
		else find . -type f ! -path './build/*' ! -path './asan/*' ! -path './vg/*'; fi | \
		tar -cf - -T - | tar -xf - -C $(O)/deb/eport-$(VERSION)
	cd $(O)/deb/eport-$(VERSION) && dpkg-buildpackage -us -uc -b
	ls $(O)/deb/eport_$(VERSION)*.deb

bench: all
	EPORT_BIN=$(CURDIR)/$(O)/bin EPORT_SHARE=$(CURDIR)/share/eport ./bench/run

# make bench-ab OLD=DIR: intake and check of the build whose commands are in
# DIR (another worktree's build/bin) against this one's, in turn
bench-ab: all
	@test -n "$(OLD)" || { echo "make bench-ab OLD=DIR: DIR holds the old build's commands" >&2; exit 2; }
	EPORT_SHARE=$(CURDIR)/share/eport ./bench/ab $(OLD) $(CURDIR)/$(O)/bin

clean:
	rm -rf build asan vg

.PHONY: all deps po check-po check-headers test test-lib check check-asan check-valgrind stress demo install \
	uninstall deb bench bench-ab clean FORCE

# Fuzzing: libFuzzer targets fuzz/fuzz-*.c, with libeport built again by
# clang (never gcc's objects) in $(FO).  make fuzz runs each FUZZ_SECONDS,
# make fuzz-smoke 10 s each; what they find goes to fuzz/crashes/.
FUZZ_CC = clang
FO = $(O)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib -g -O1 \
	-DEPORT_VERSION='"$(VERSION)"' -DSHAREDIR='"$(CURDIR)/share/eport"' \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_TARGETS = $(patsubst fuzz/%.c,$(FO)/%,$(wildcard fuzz/fuzz-*.c))

$(FO)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FO)/libeport.a: $(LIB_SRC:%.c=$(FO)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(FO)/fuzz-%: fuzz/fuzz-%.c $(FO)/libeport.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FO)/libeport.a $(LDLIBS)

-include $(wildcard $(FO)/*.d $(FO)/lib/*.d)

fuzz-build: $(FUZZ_TARGETS)

fuzz: fuzz-build
	./fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	./fuzz/run 10 $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-build fuzz-smoke

# No cycle between libeport's files (issue 20): tools/layers reads nm of
# $(O)/lib/*.o and fails naming each file pair of a cycle; part of make test.
check-layers: $(LIB_OBJ) $(CLI_OBJ)
	./tools/layers $(O)

.PHONY: check-layers
