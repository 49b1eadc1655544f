#!/bin/sh
# Documents read from disk safely: a record's files come from whoever sent it
# and may be changed while they are read.  Nothing on the way is followed
# (each part of the path opened below the one before, O_NOFOLLOW), so a
# directory swapped for a symlink mid-read brings nothing in from outside; a
# file with more than one link (the store's own keys/master, say) and
# anything inside the store are refused, by eport-apply, eport-check -f and
# eport-attach alike.
. "$(dirname "$0")/lib.sh"

GIT="git --git-dir=$TRASH/store/docs.git"
N=300

# outside_blobs: how many objects of docs.git hold the outside file
outside_blobs() {
	$GIT cat-file --batch-all-objects --batch | grep -ac "^outside 9e1c" || :
}

test_expect_success 'setup: a store; records whose form1 is scans/form1.pdf; a file outside' '
	eport-init &&
	mkdir -p rec/scans outside &&
	cp "$EPORT_SHARE/examples/scans/form1.pdf" rec/scans/ &&
	echo "outside 9e1c: not for any case" >outside/form1.pdf &&
	for i in $(seq -w 1 $N); do
		echo "{\"ref\":\"SW$i\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"scans/form1.pdf\"}]}"
	done >rec/many.jsonl &&
	ln -s ../outside rec/scans.lnk
'

# scans and scans.lnk change places as fast as they can while the records
# are read: each read finds the directory (taken in) or the link (refused),
# never the file the link leads to
test_expect_success "scans/ swapped for a symlink while $N records are read: nothing from outside" '
	rm -f stop &&
	{ test-swap rec/scans rec/scans.lnk stop >swaps & } &&
	{ eport-apply rec/many.jsonl >out 2>swap.err || :; } &&
	touch stop && wait &&
	test "$(cat swaps)" -gt 100 &&
	test -d rec/scans && test -L rec/scans.lnk &&
	test "$(outside_blobs)" = 0 &&
	taken=$(sed 1d out | wc -l) &&
	linked=$(grep -c "'\''scans/form1.pdf'\'': '\''scans'\'' is a symbolic link, not followed$" swap.err) &&
	echo "taken $taken, refused as links $linked" &&
	test $((taken + linked)) = $N &&
	test "$taken" -gt 0 && test "$linked" -gt 0 &&
	eport-show $(sed 1d out | cut -f1) | jq -r ".documents[0].sha256" | sort -u >actual &&
	sha256sum <rec/scans/form1.pdf | cut -d" " -f1 >expect &&
	test_cmp expect actual
'

test_expect_success 'a hard link to keys/master in the record'\''s directory is refused' '
	snapshot hl &&
	mkdir -p in/scans &&
	ln "$EPORT_HOME/keys/master" in/scans/master.pdf &&
	echo "{\"ref\":\"HL1\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"scans/master.pdf\"}]}" >in/hl.jsonl &&
	test_expect_code 1 eport-apply in/hl.jsonl >out 2>err &&
	test_cmp /dev/null out &&
	echo "eport-apply: in/hl.jsonl:1: documents.1.file: '\''scans/master.pdf'\'': a file with 2 links, which could be any file on the disk: take in a copy" >expect &&
	test_cmp expect err &&
	unchanged hl
'

test_expect_success 'so is a hard link to any file, and eport-check -f says the same' '
	cp rec/scans/form1.pdf in/scans/a.pdf && ln in/scans/a.pdf in/scans/b.pdf &&
	echo "{\"ref\":\"HL2\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"scans/a.pdf\"}]}" >in/hl2.jsonl &&
	test_expect_code 1 eport-apply in/hl2.jsonl 2>err &&
	grep -q "'\''scans/a.pdf'\'': a file with 2 links" err &&
	test_expect_code 1 eport-check -f in/hl.jsonl >/dev/null 2>err &&
	echo "eport-check: in/hl.jsonl:1: documents.1.file: '\''scans/master.pdf'\'': a file with 2 links, which could be any file on the disk: take in a copy" >expect &&
	test_cmp expect err &&
	rm in/scans/master.pdf in/scans/b.pdf &&
	eport-apply in/hl2.jsonl >hl2.out && test "$(sed 1d hl2.out | wc -l)" = 1
'

test_expect_success 'a record inside the store takes nothing in from there' '
	snapshot inside &&
	mkdir "$EPORT_HOME/in" &&
	echo "{\"ref\":\"IN1\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"keys/master\"}]}" >"$EPORT_HOME/rec.jsonl" &&
	test_expect_code 1 eport-apply "$EPORT_HOME/rec.jsonl" 2>err &&
	echo "eport-apply: $EPORT_HOME/rec.jsonl:1: documents.1.file: '\''keys/master'\'': the directory it is read from is inside the store" >expect &&
	test_cmp expect err &&
	(cd "$EPORT_HOME/in" && echo "{\"ref\":\"IN2\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"x.pdf\"}]}" |
		test_expect_code 1 eport-apply 2>"$TRASH/err") &&
	grep -q "'\''x.pdf'\'': the directory it is read from is inside the store" err &&
	rm -r "$EPORT_HOME/in" "$EPORT_HOME/rec.jsonl" &&
	unchanged inside
'

test_expect_success 'eport-attach: keys/master by its absolute path, a symlink, a hard link: refused' '
	id=$(sed -n 2p hl2.out | cut -f1) &&
	test -n "$id" &&
	snapshot att &&
	test_expect_code 1 eport-attach $id id-holder "$EPORT_HOME/keys/master" 2>err &&
	echo "eport-attach: '\''$EPORT_HOME/keys/master'\'': '\''$EPORT_HOME'\'' is the store" >expect &&
	test_cmp expect err &&
	ln -s "$EPORT_HOME/keys/master" key.png &&
	test_expect_code 1 eport-attach $id id-holder key.png 2>err &&
	echo "eport-attach: '\''key.png'\'': a symbolic link, not followed" >expect &&
	test_cmp expect err &&
	ln -s rec linked &&
	test_expect_code 1 eport-attach $id id-holder linked/scans/form1.pdf 2>err &&
	echo "eport-attach: '\''linked/scans/form1.pdf'\'': '\''linked'\'' is a symbolic link, not followed" >expect &&
	test_cmp expect err &&
	ln "$EPORT_HOME/keys/master" master.png &&
	test_expect_code 1 eport-attach $id id-holder master.png 2>err &&
	echo "eport-attach: '\''master.png'\'': a file with 2 links, which could be any file on the disk: take in a copy" >expect &&
	test_cmp expect err &&
	rm master.png &&
	(cd "$EPORT_HOME/keys" && test_expect_code 1 eport-attach $id id-holder master 2>"$TRASH/err") &&
	echo "eport-attach: '\''master'\'': the directory it is read from is inside the store" >expect &&
	test_cmp expect err &&
	unchanged att
'

test_expect_success 'eport-attach: a plain file by a relative path with .., or an absolute one, is taken' '
	mkdir sub &&
	(cd sub && eport-attach $id id-holder ../rec/scans/form1.pdf >/dev/null) &&
	eport-attach $id id-handler "$TRASH/rec/scans/form1.pdf" >/dev/null &&
	eport-show $id | jq -r "[.documents[].file] | join(\" \")" >actual &&
	echo "scans/a.pdf form1.pdf form1.pdf" >expect &&
	test_cmp expect actual
'

done_testing
