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
	grep -v "^#" "$SRC/share/eport/kinds.tsv" | sed 1d | awk -F "\t" "\$3 == \"yes\"" |
		cut -f1,2 | tr "\t" : >zkinds.expect &&
	cut -d: -f1 zkinds.expect >kinds.expect &&
	test "$(wc -l <kinds.expect)" -ge 11
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

# each list, of the table's types and of kinds.tsv's paper kinds, in each shell
for list in types kinds; do
	test_expect_success "bash completes the $list" "
		bashvar _eport_$list >actual && test_cmp $list.expect actual
	"
	test_expect_success "zsh completes the $list, with their names" "
		zshlist _eport_$list >actual && test_cmp z$list.expect actual
	"
	test_expect_success "fish completes the $list" "
		fishset $list >actual && test_cmp $list.expect actual
	"
done

done_testing
