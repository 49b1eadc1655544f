#!/bin/sh
# The shell completions' business types and document kinds are copies: the
# types of lib/types.c (as test-types prints them) and the paper kinds of
# share/eport/kinds.tsv.  A type or kind added to one and not to the
# completions fails here.
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC
C=$SRC/completions

test_expect_success 'the table of types, as test-types prints it' '
	test-types >table &&
	cut -f1 table >types.expect &&
	test "$(wc -l <types.expect)" -ge 9 &&
	cut -f1,2 table | tr "\t" : >ztypes.expect &&
	grep -v "^#" "$SRC/share/eport/kinds.tsv" | sed 1d | awk -F "\t" "\$3 == \"yes\"" | cut -f1 >kinds.expect &&
	test "$(wc -l <kinds.expect)" -ge 11 &&
	grep -v "^#" "$SRC/share/eport/kinds.tsv" | sed 1d | awk -F "\t" "\$3 == \"yes\"" | cut -f1,2 | tr "\t" : >zkinds.expect
'

# bashvar NAME: the words of the bash completion's variable NAME, one a line
bashvar() {
	bash -c '. "$1/eport.bash" && eval "printf \"%s\n\" \$$2"' - "$C" "$1"
}
# zshlist FUNC: the quoted name:description entries of the zsh function FUNC
zshlist() {
	sed -n "/^$1() {/,/^}/p" "$C/_eport" | sed -n "s/^[[:space:]]*'\([^']*\)'\$/\1/p"
}
# fishset NAME: the words of the fish completion's "set -l NAME ..."
fishset() {
	sed -n "s/^set -l $1 //p" "$C/eport.fish" | tr " " "\n"
}

test_expect_success 'bash completes the types of the table' '
	bashvar _eport_types >actual && test_cmp types.expect actual
'
test_expect_success 'zsh completes the types of the table, with their Chinese names' '
	zshlist _eport_types >actual && test_cmp ztypes.expect actual
'
test_expect_success 'fish completes the types of the table' '
	fishset types >actual && test_cmp types.expect actual
'
test_expect_success 'bash completes the kinds of kinds.tsv' '
	bashvar _eport_kinds >actual && test_cmp kinds.expect actual
'
test_expect_success 'zsh completes the kinds of kinds.tsv, with their names' '
	zshlist _eport_kinds >actual && test_cmp zkinds.expect actual
'
test_expect_success 'fish completes the kinds of kinds.tsv' '
	fishset kinds >actual && test_cmp kinds.expect actual
'

done_testing
