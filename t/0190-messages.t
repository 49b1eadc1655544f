#!/bin/sh
# Messages that say what is wrong and what to do: a full disk, a pack of
# docs.git this user cannot read, another user's store, a HOME that cannot
# be read, records from a pipe.
. "$(dirname "$0")/lib.sh"

# as root, without the capabilities that pass over file modes
nocaps() {
	setpriv --inh-caps=-dac_override,-dac_read_search,-fowner \
		--bounding-set=-dac_override,-dac_read_search,-fowner "$@"
}

test_expect_success 'setup' '
	eport-init && cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >/dev/null
'

# a tmpfs of its own, filled but for KiB; LMDB said only "Input/output
# error" (a short write), git "No space left on device"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	test_expect_success 'a full disk: the disk named, how full, that nothing was stored, what to do' '
		mkdir small &&
		for kib in 0 16 24; do
			unshare -m sh -c "
				export EPORT_HOME=$PWD/small/s &&
				mount -t tmpfs -o size=2m tmpfs small &&
				eport-init && eport-ls >/dev/null &&
				{ head -c 4M /dev/zero >small/fill 2>/dev/null; :; } &&
				truncate -s \$((\$(stat -c %s small/fill) - $kib * 1024)) small/fill &&
				(cd ex && exec eport-apply cases.jsonl) >out 2>err
				echo \$? >rc
				eport-ls >ls
			" || return 1
			test "$(cat rc)" = 2 &&
			grep -q "; the disk of '\''$PWD/small/s'\'' is full ([0-9]* KiB free): nothing of this batch was stored; free some space, and run the command again$" err &&
			test_cmp /dev/null out &&
			test "$(wc -l <ls)" = 0 || { echo "$kib KiB free:"; cat err; return 1; }
		done
	'
else
	test_skip 'not root, or no mount namespace for a small tmpfs'
fi

if [ "$(id -u)" = 0 ] && nocaps true 2>/dev/null; then
	# nothing is lost, a chown mends it: say so, not "object not found"
	test_expect_success 'a pack another user owns: which file, whose, and that nothing is lost' '
		cp -a "$EPORT_HOME" chowned &&
		p=$(cd chowned/docs.git && ls objects/pack/*.pack) &&
		chown 4321:4321 "chowned/docs.git/$p" &&
		test_expect_code 1 nocaps env EPORT_HOME=$PWD/chowned eport-fsck 2>err &&
		m="docs.git/$p cannot be read by this user (root): it belongs to uid 4321, mode 400; nothing is lost: give it back to the store'\''s owner (chown, chmod)" &&
		grep -q "^eport-fsck: XM20261126-0001: commit '\''[0-9a-f]*'\'' is not in docs.git; $m$" err &&
		test_expect_code 2 nocaps env EPORT_HOME=$PWD/chowned EPORT_USER=bob eport-check XM20261126-0001 2>err &&
		grep -q "^eport-check: docs.git: the case'\''s last commit: .*; $m$" err &&
		chown 0:0 "chowned/docs.git/$p" &&
		nocaps env EPORT_HOME=$PWD/chowned eport-fsck
	'

	# tools/valgrind writes its logs and temporary files where only root may
	if [ -n "${EPORT_VALGRIND:-}" ]; then
		test_skip 'under valgrind: its logs cannot be written as another login'
		test_skip 'under valgrind: its logs cannot be written as another login'
	else
	test_expect_success 'another user'\''s store: whose it is, not that there is none' '
		test_expect_code 2 setpriv --reuid=65534 --regid=65534 --clear-groups eport-ls 2>err &&
		echo "eport-ls: cannot open the store at '\''$EPORT_HOME'\'': Permission denied: '\''$TRASH'\'' belongs to '\''root'\''; run the command as the store'\''s owner" >expect &&
		test_cmp expect err
	'

	# libgit2 read ~/.gitconfig, and /root/.gitconfig is closed to others
	test_expect_success 'a HOME that cannot be read: every command works all the same' '
		chmod 755 "$TRASH" &&
		mkdir nobody && chown 65534:65534 nobody &&
		cp -R ex nobody/ex && chown -R 65534:65534 nobody/ex &&
		as() { setpriv --reuid=65534 --regid=65534 --clear-groups \
			env -u EPORT_USER HOME=/root EPORT_HOME=$PWD/nobody/s "$@"; } &&
		as sh -c "! test -r /root/.gitconfig && ! ls /root" 2>/dev/null &&
		as eport-init &&
		as eport-apply nobody/ex/cases.jsonl >applied &&
		test $(wc -l <applied) = 4 &&
		{ as eport-check XM20261126-0002 >checked; test $? = 1; } &&
		test "$(awk -F "\t" "\$2 == \"block\" { print \$3 }" checked)" = order-unknown &&
		as eport-fsck &&
		chmod 700 "$TRASH"
	'
	fi
else
	test_skip 'not root, or setpriv cannot drop capabilities'
	test_skip 'not root'
	test_skip 'not root'
fi

# realpath("/dev/stdin") of a pipe fails, and a pipe cannot be read twice
test_expect_success 'records from /dev/stdin, a FIFO: taken in whole' '
	sed "s/\"ref\":\"/\"ref\":\"P/" ex/cases.jsonl >ex/p.jsonl &&
	(cd ex && cat p.jsonl | eport-apply /dev/stdin) >out 2>err &&
	test_cmp /dev/null err &&
	test $(wc -l <out) = 4 &&
	sed "s/\"ref\":\"/\"ref\":\"F/" ex/cases.jsonl >ex/f.jsonl &&
	mkfifo ex/fifo &&
	{ cat ex/f.jsonl >ex/fifo & } &&
	(cd ex && eport-apply fifo) >out 2>err &&
	test_cmp /dev/null err &&
	cut -f5 out >refs && { echo ref; jq -r .ref ex/f.jsonl; } >expect && test_cmp expect refs &&
	eport-show $(sed -n 2p out | cut -f1) | jq -r ".source" >src &&
	echo fifo:1 >expect && test_cmp expect src
'

test_expect_success 'a bundle through a pipe is refused: save it first' '
	mkdir bz && cp -R ex/scans bz/ &&
	sed -n 1p ex/cases.jsonl | sed s/1180012345678/1180012345999/g >bz/case.json &&
	(cd bz && bsdtar -a -cf ../b.zip case.json scans) &&
	snapshot pipe &&
	cat b.zip | test_expect_code 1 eport-apply /dev/stdin >out 2>err &&
	echo "eport-apply: '\''/dev/stdin'\'': a bundle is read from a file, not a pipe or a device: save it to a file first" >expect &&
	test_cmp expect err && test ! -s out &&
	unchanged pipe
'

# With no ids and a terminal on stdin, a command that acts on cases says so
# and stops, rather than wait for ids nobody knows to type: one loop reads
# the ids of them all (for_each_item), the stepping commands' as eport-show's
test_expect_success 'no ids and a terminal on stdin: every kind of command says so, and stops' '
	for c in "eport-show" "eport-check" "eport-review accept" "eport-close"; do
		script -qec "$c; echo rc=\$?" /dev/null </dev/null >tty.out 2>&1 &&
		tr -d "\r" <tty.out >tty.txt &&
		grep -qx "${c%% *}: no case ids given, and stdin is a terminal" tty.txt &&
		grep -qx "rc=2" tty.txt || { echo "$c:"; cat tty.txt; return 1; }
	done &&
	eport-ls -s checked >checked &&
	test $(wc -l <checked) = 0
'

done_testing
