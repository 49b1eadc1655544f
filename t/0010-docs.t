#!/bin/sh
# The manual and the shell completions: every page lints clean, every command
# has its page and its completions, the pages' transcripts are what the
# commands print, and make install puts it all where it belongs.
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC
commands=$(cd "$SRC/cmd" && for f in eport*.c; do echo "${f%.c}"; done)

test_expect_success 'mandoc -Tlint -W warning is clean for every page' '
	{ mandoc -Tlint -W warning "$SRC"/man/man*/* >lint 2>&1 || :; } &&
	test_cmp /dev/null lint
'

for c in $commands; do
	# every command, eport-web the CGI program among them, has its page in
	# man1 (DESIGN.md section 1)
	test_expect_success "$c has man/man1/$c.1, with EXIT STATUS and EXAMPLES" '
		grep -q "^\.Dt $(echo "$c" | tr a-z A-Z) 1$" "$SRC/man/man1/$c.1" &&
		grep -q "^\.Sh EXIT STATUS" "$SRC/man/man1/$c.1" &&
		grep -q "^\.Sh EXAMPLES" "$SRC/man/man1/$c.1"
	'
	test_expect_success "$c is completed by bash, zsh and fish" '
		bash -c ". \"\$1/completions/eport.bash\" && complete -p \"\$2\"" - "$SRC" "$c" &&
		sed 1q "$SRC/completions/_eport" | grep -q "^#compdef.* $c\( \|$\)" &&
		grep -q -- " $c\( \|$\)" "$SRC/completions/eport.fish"
	'
done

test_expect_success 'the bash completion parses' 'bash -n "$SRC/completions/eport.bash"'
for sh in zsh fish; do
	if command -v $sh >/dev/null; then
		case $sh in zsh) f=_eport ;; fish) f=eport.fish ;; esac
		test_expect_success "the $sh completion parses" '$sh -n "$SRC/completions/$f"'
	else
		test_skip "$sh is not installed"
	fi
done

# bcomp WORD...: what the bash completion offers for the command line
# "WORD... ", one a line; fcomp: the same from fish
bcomp() {
	bash -c '. "$1/completions/eport.bash"; shift
		COMP_WORDS=("$@" ""); COMP_CWORD=$#; _eport
		printf "%s\n" "${COMPREPLY[@]}"' - "$SRC" "$@"
}
fcomp() {
	fish -c 'source $argv[1]; complete -C "$argv[2] " | string replace -r "\t.*" ""' \
		"$SRC/completions/eport.fish" "$*"
}
# the words, sorted, on one line
words() {
	tr -s " " "\n" | grep . | sort | paste -s -d " "
}

make_store
mkdir ex && cp -R "$SRC/share/eport/examples/." ex/ &&
	(cd ex && eport-apply cases.jsonl >/dev/null)

while IFS='	' read -r line want; do
	case $line in '' | '#'*) continue ;; esac
	for sh in bash fish; do
		comp=${sh%"${sh#?}"}comp	# bcomp, fcomp
		if ! command -v $sh >/dev/null; then
			test_skip "$sh completes '$line': $sh is not installed"
			continue
		fi
		test_expect_success "$sh completes '$line'" '
			# shellcheck disable=SC2086
			{ set -f; $comp $line | words >actual; set +f; } &&
			echo "$want" | words >expect &&
			test_cmp expect actual
		'
	done
done <<EOF
eport	init apply attach check review amend card ship close export ls show log status order cal vcard fsck web report backup help
eport help	init apply attach check review amend card ship close export ls show log status order cal vcard fsck web report backup
eport-ls -s	received checked incomplete accepted rejected returned ready shipped delivered bounced collected withdrawn closed
eport ls -t	onboard info-change operator-change operator-add reissue renew unlock reader deregister
eport-fsck -r	
eport show	XM20261126-0001 XM20261126-0002 XM20261126-0003
eport-review accept	
eport-card	status write unlock renew revoke ls expiring
eport ship manifest -e	utf-8 gb18030
eport-review	accept reject return withdraw
eport-review withdraw	XM20261126-0001 XM20261126-0002 XM20261126-0003
eport-amend	XM20261126-0001 XM20261126-0002 XM20261126-0003
eport-ship	due manifest mark deliver bounce collect uncollected
eport-ship collect -t	resident hk-macau-permit taiwan-permit foreign-permanent passport
eport-close	
eport ship manifest -F	csv tsv xlsx
eport-report -t	work backlog age posting stages
eport-attach XM20261126-0001	license form1 form2 form3 form4 poa id-legal id-operator id-holder id-handler payment
EOF

# The transcripts of the pages' EXAMPLES (t/lib.sh), run in order on one
# store: the cases of share/eport/examples taken in on the day of EPORT_NOW.
# The pages whose examples need a card (eport-card, eport-vcard, eport-ship)
# are run by t/0515-card-docs.t, through pcscd and the card emulator.
rm -rf "$EPORT_HOME" && make_store
rm -rf ex && mkdir ex && cp -R "$SRC/share/eport/examples/." ex/
for page in man1/eport-apply.1 man1/eport-ls.1 man1/eport-show.1 man1/eport-log.1 \
    man1/eport-order.1 man5/eport-case.5 man1/eport-fsck.1 man1/eport-check.1 \
    man1/eport-attach.1 man1/eport-review.1 man1/eport-status.1 man1/eport-close.1 \
    man1/eport-export.1 man1/eport-amend.1 man1/eport-backup.1; do
	d=tr-$(basename "$page")
	mkdir "$d" && transcripts "$SRC/man/$page" "$d"
	case $page in
	*eport-fsck.1)
		# its example mends a ref lost in a crash: lose it
		git --git-dir="$EPORT_HOME/docs.git" update-ref -d refs/cases/XM20261126-0002 ;;
	esac
	transcript_tests "$page" "$d"
done

# -o all: install what was built and tested, without building it again
test_expect_success 'make install: the commands, their pages and share/eport' '
	make -C "$SRC" -o all O="$BUILD" install DESTDIR="$TRASH/inst" \
		PREFIX=/usr >make.out 2>&1 &&
	u=$TRASH/inst/usr &&
	test -x "$u/bin/eport" && test -x "$u/bin/eport-apply" && test -x "$u/bin/eport-fsck" &&
	test -f "$u/share/man/man1/eport-apply.1" &&
	test -f "$u/share/man/man5/eport-case.5" &&
	test -f "$u/share/man/man5/eport-config.5" &&
	test -f "$u/share/man/man7/eport.7" &&
	test -f "$u/share/man/man1/eport-web.1" && ! test -e "$u/share/man/man8" &&
	test -f "$u/share/eport/lighttpd.conf" &&
	test "$(readlink "$u/lib/eport/cgi/eport-web")" = /usr/bin/eport-web &&
	test -f "$u/share/eport/config" && test -f "$u/share/eport/rules.tsv"
'

# bash-completion and fish load a completion by the name of the command, so
# every eport-* name is a link to the one file
test_expect_success 'make install: the bash completion, linked for each command' '
	d=$TRASH/inst/usr/share/bash-completion/completions &&
	test -f "$d/eport" && ! test -h "$d/eport" &&
	cmp "$SRC/completions/eport.bash" "$d/eport" &&
	test "$(readlink "$d/eport-ls")" = eport
'

test_expect_success 'make install: the zsh and fish completions' '
	u=$TRASH/inst/usr &&
	cmp "$SRC/completions/_eport" "$u/share/zsh/site-functions/_eport" &&
	cmp "$SRC/completions/eport.fish" "$u/share/fish/vendor_completions.d/eport.fish" &&
	test "$(readlink "$u/share/fish/vendor_completions.d/eport-ls.fish")" = eport.fish
'

# a command finds share/eport beside the directory it runs from (what is
# installed is the build's own, even under make check-valgrind)
test_expect_success 'the installed commands find the installed share/eport' '
	(unset EPORT_SHARE; "$TRASH/inst/usr/bin/eport-cal" -n 3 2026-09-28) >actual &&
	echo 2026-10-08 >expect &&
	test_cmp expect actual
'

done_testing
