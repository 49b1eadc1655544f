#!/bin/sh
# The layers (CONTRIBUTING.md, "Headers"): libeport (lib/) returns its
# errors and never exits; the commands' layer (cli/) says them and ends.
# tools/layers reads nm of the build and fails on a call from lib/ up into
# cli/ and on a cycle among lib/'s files; and what lib/ no longer does,
# exiting when the environment is wrong, the commands still do, with a
# message and status 2, before anything is done.
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC

test_expect_success 'the build: no file of lib/ calls into cli/, no cycle' '
	(cd "$SRC" && ./tools/layers "$BUILD") >out &&
	test_cmp /dev/null out
'

test_expect_success 'no file of lib/ calls die, refuse or exit' '
	{ (cd "$SRC" && grep -n -E "(^|[^_[:alnum:]])(die|refuse|exit|_exit|eport_exit)[[:space:]]*\(" \
	    lib/*.c) >found || test $? -eq 1; } &&
	{ grep -v -E "^[^:]*:[0-9]+:[[:space:]]*/?\*" found >calls || test $? -eq 1; } &&
	test_cmp /dev/null calls
'

# two made-up layers: lib/a.o calls die, defined by cli/b.o; lib/x.o and
# lib/y.o call each other
test_expect_success 'tools/layers: a call from lib/ into cli/ fails, and is named' '
	mkdir -p made/lib made/cli made/o/lib made/o/cli &&
	printf "void die(const char *);\nvoid a(void) { die(\"x\"); }\n" >made/lib/a.c &&
	printf "void die(const char *s) { (void)s; }\n" >made/cli/b.c &&
	cc -c -o made/o/lib/a.o made/lib/a.c && cc -c -o made/o/cli/b.o made/cli/b.c &&
	(cd made && test_expect_code 1 "$SRC/tools/layers" o) >out &&
	echo "lib/a.c calls die of cli/b.c, the layer above it" >expect &&
	test_cmp expect out
'

test_expect_success 'tools/layers: a cycle among lib/ fails, both ways named' '
	rm -f made/lib/a.c made/o/lib/a.o &&
	printf "void y(void);\nvoid x(void) { y(); }\n" >made/lib/x.c &&
	printf "void x(void);\nvoid y(void) { x(); }\n" >made/lib/y.c &&
	cc -c -o made/o/lib/x.o made/lib/x.c && cc -c -o made/o/lib/y.o made/lib/y.c &&
	(cd made && test_expect_code 1 "$SRC/tools/layers" o) >out &&
	printf "%s\n" "lib/x.c calls lib/y.c, which leads back to it" \
	    "lib/y.c calls lib/x.c, which leads back to it" >expect &&
	test_cmp expect out
'

test_expect_success 'tools/layers: an object whose source has gone is not read' '
	rm made/lib/y.c &&
	(cd made && "$SRC/tools/layers" o) >out &&
	test_cmp /dev/null out
'

test_expect_success 'setup: a store with a case' '
	eport-init >/dev/null && cp -R "$EPORT_SHARE/examples" ex &&
	(cd ex && head -n 1 cases.jsonl | eport-apply) >applied &&
	cut -f 1 applied >ids &&
	printf "id\nXM20261126-0001\n" >expect && test_cmp expect ids
'

test_expect_success 'a bad EPORT_NOW: refused as the command starts, status 2, nothing written' '
	eport-ls >before &&
	for c in eport-ls eport-apply eport-cal; do
		EPORT_NOW=yesterday test_expect_code 2 $c </dev/null >out 2>err || return 1
		echo "$c: EPORT_NOW: '"'"'yesterday'"'"' is not an ISO 8601 date or time" >expect &&
		test_cmp expect err && test_cmp /dev/null out || return 1
	done &&
	eport-ls >after && test_cmp before after
'

test_expect_success 'no EPORT_HOME and no HOME: a message and status 2, for a reader and a writer' '
	for c in eport-ls eport-apply; do
		(unset EPORT_HOME HOME; test_expect_code 2 $c </dev/null) >out 2>err || return 1
		echo "$c: neither EPORT_HOME nor HOME is set" >expect &&
		test_cmp expect err || return 1
	done
'

# a reader reads the configuration only when it needs a key (eport-ls -w
# the office's hours), a writer always: either says what is wrong with it
test_expect_success 'a config that does not parse: a reader that reads it and a writer say so, status 2' '
	cp "$EPORT_HOME/config" config.good &&
	printf "[office\n" >>"$EPORT_HOME/config" &&
	for c in "eport-ls -w" eport-apply; do
		test_expect_code 2 $c </dev/null >out 2>err || return 1
		grep -q "^${c%% *}: config: " err || return 1
	done &&
	cp config.good "$EPORT_HOME/config" &&
	eport-ls >after && test_cmp before after
'

# a ref that cannot move after the commit (a lock left by a writer that
# is gone): batch_commit leaves the warning in st->warn, and the command,
# not the library, says it; the step stands, and eport-fsck -r finishes it
test_expect_success 'a ref not moved after the commit: the command says so, status 0' '
	id=XM20261126-0001 &&
	: >"$EPORT_HOME/docs.git/refs/cases/$id.lock" &&
	eport-check $id >out 2>err &&
	grep -q "^eport-check: $id: ref not moved (eport-fsck -r will): " err &&
	test "$(wc -l <err)" -eq 1 &&
	git -C "$EPORT_HOME/docs.git" log -1 --format=%s "refs/cases/$id" >subject &&
	echo "apply $id: <stdin>:1" >expect && test_cmp expect subject
'

test_expect_success 'one eport-fsck -r removes the dead writer'"'"'s lock and moves the ref' '
	test_expect_code 1 eport-fsck >/dev/null 2>&1 &&
	eport-fsck -r >/dev/null 2>&1 && eport-fsck &&
	git -C "$EPORT_HOME/docs.git" log -1 --format=%s "refs/cases/$id" >subject &&
	echo "check $id: no finding" >expect && test_cmp expect subject
'

done_testing
