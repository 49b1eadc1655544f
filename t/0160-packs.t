#!/bin/sh
# Commands that write many cases write one pack per batch, and the pack
# holds what the batch wrote, nothing more: a step stores the case's new
# case.json, history, trees and commit, never its scans a second time.
. "$(dirname "$0")/lib.sh"

git_() { git --git-dir="$EPORT_HOME/docs.git" "$@"; }

# every object of every pack, one line each (its id)
packed() {
	for i in "$EPORT_HOME"/docs.git/objects/pack/*.idx; do
		git_ show-index <"$i" | cut -d" " -f2
	done | sort
}

test_expect_success 'setup: the examples taken in, one pack' '
	eport-init && cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >applied &&
	sed 1d applied | cut -f1 >ids &&
	test -s ids &&
	ls "$EPORT_HOME"/docs.git/objects/pack/*.pack >packs &&
	test $(wc -l <packs) = 1 &&
	test "$(git_ count-objects -v | sed -n "s/^count: //p")" = 0 &&
	packed >before
'

test_expect_success 'a check packs four objects a case: case.json, history.jsonl, the tree, the commit' '
	{ EPORT_USER=bob eport-check <ids >/dev/null; test $? -le 1; } &&
	packed >after &&
	comm -13 before after >new &&
	test $(wc -l <new) = $((4 * $(wc -l <ids))) &&
	git_ cat-file --batch-check <new | cut -d" " -f2 | sort | uniq -c |
		awk "{ print \$2, \$1 }" >types &&
	n=$(wc -l <ids) &&
	printf "blob %d\ncommit %d\ntree %d\n" $((2 * n)) $n $n >expect &&
	test_cmp expect types
'

test_expect_success 'no object is in two packs' '
	packed | uniq -d >twice &&
	test_cmp /dev/null twice
'

test_expect_success 'the packs have no deltas (scans and case.json do not gain from them)' '
	for p in "$EPORT_HOME"/docs.git/objects/pack/*.pack; do
		git_ verify-pack -v "$p" | grep -c "^[0-9a-f]\{40\} [a-z]* [0-9]* [0-9]* [0-9]* [0-9]* [0-9a-f]\{40\}$" || :
	done >deltas &&
	printf "0\n0\n" >expect &&
	test_cmp expect deltas
'

# libgit2's packbuilder lists every ref to find tags; in docs.git that is a
# read per case the store holds, for every batch
test_expect_success 'writing a batch reads no other case'\''s ref, nor the refs directory' '
	id=$(sed -n 1p ids) &&
	{ EPORT_USER=bob ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=openat,open,getdents64 -o trace eport-check $id >/dev/null; test $? -le 1; } &&
	grep -q "refs/cases/$id" trace &&
	{ grep "refs/" trace | grep -v "refs/cases/$id" >others || :; } &&
	test_cmp /dev/null others
'

# libgit2 looks for an object before writing it and, not finding it, rescans
# objects/pack: a readdir for every object, in a directory that gains a pack
# a batch.  A batch rescans it when it opens the store and after its pack.
test_expect_success 'a batch rescans objects/pack twice, not once an object' '
	{ EPORT_USER=bob ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=openat -o trace eport-check <ids >/dev/null; test $? -le 1; } &&
	grep -c "objects/pack/\", O_RDONLY.*O_DIRECTORY" trace >n &&
	test $(cat n) -le 2 &&
	test $(cat n) -ge 1
'

# DESIGN 5: git objects on disk (fsynced) before the LMDB transaction that
# names them commits
test_expect_success 'the pack and its index are fsynced before LMDB commits' '
	{ EPORT_USER=bob ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -y -f -e trace=fsync,fdatasync -o trace eport-check <ids >/dev/null; test $? -le 1; } &&
	sed -n "s/.*sync([0-9]*<\([^>]*\)>.*/\1/p" trace | sed "s,.*/,," >synced &&
	grep -n "^data.mdb$" synced | head -n 1 | cut -d: -f1 >mdb &&
	test -s mdb &&
	grep -n "^pack_git2_.*idx.lock$" synced | head -n 1 | cut -d: -f1 >idx &&
	grep -n "^pack_git2_[0-9a-f]*$" synced | head -n 1 | cut -d: -f1 >pack &&
	grep -n "^pack$" synced | head -n 1 | cut -d: -f1 >dir &&
	test -s idx && test -s pack && test -s dir &&
	test $(cat idx) -lt $(cat mdb) && test $(cat pack) -lt $(cat mdb) &&
	test $(cat dir) -lt $(cat mdb)
'

# git gc deletes an index it finds without its pack; libgit2 puts the index
# in place first, so the pack is made aside and moved in pack first
test_expect_success 'the pack is made aside, and moved into objects/pack before its index' '
	{ EPORT_USER=bob ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=rename,renameat,renameat2,link,linkat -o trace \
		eport-check <ids >/dev/null; test $? -le 1; } &&
	grep "objects/pack/pack-[0-9a-f]*\.\(pack\|idx\)\"" trace >into &&
	test $(wc -l <into) = 2 &&
	sed -n 1p into | grep -q "eport-incoming/pack-[0-9a-f]*\.pack\"" &&
	sed -n 2p into | grep -q "eport-incoming/pack-[0-9a-f]*\.idx\"" &&
	test -z "$(ls "$EPORT_HOME/docs.git/objects/eport-incoming")"
'

# the pack.* settings the batches need are written once, by eport-init: a
# writer killed while it wrote them left docs.git/config.lock for good
test_expect_success 'eport-init writes the pack settings; writers leave the configuration alone' '
	EPORT_HOME=$PWD/fresh eport-init &&
	git --git-dir=fresh/docs.git config pack.bigFileThreshold >big &&
	echo 0 >expect && test_cmp expect big &&
	git --git-dir=fresh/docs.git config pack.deltaCacheSize >delta &&
	echo 1 >expect && test_cmp expect delta &&
	EPORT_HOME=$PWD/fresh ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=openat,rename,link -o trace \
		eport-apply ex/cases.jsonl >/dev/null &&
	{ grep "docs.git/config" trace >writes || :; } &&
	{ grep -v "O_RDONLY" writes >changed || :; } &&
	test_cmp /dev/null changed
'

# a store made before eport-init wrote them: eport-fsck says so, -r
# writes them, once; a writer still never touches the configuration
test_expect_success 'a store made without them: eport-fsck says so, -r writes them, writers never' '
	git_ config --unset pack.bigFileThreshold &&
	git_ config --unset pack.deltaCacheSize &&
	{ EPORT_USER=bob ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=openat -o trace \
		eport-check <ids >/dev/null; test $? -le 1; } &&
	! grep -q "docs.git/config.lock" trace &&
	! git_ config pack.deltaCacheSize &&
	test_expect_code 1 eport-fsck 2>err &&
	grep -qx "eport-fsck: docs.git: its pack settings are missing, and every batch.s pack is made slowly (eport-fsck -r writes them)" err &&
	eport-fsck -r 2>err &&
	grep -qx "eport-fsck: docs.git: the pack settings written to its configuration" err &&
	git_ config pack.deltaCacheSize >delta && echo 1 >expect && test_cmp expect delta &&
	git_ config pack.bigFileThreshold >big && echo 0 >expect && test_cmp expect big &&
	eport-fsck -r 2>err && test_cmp /dev/null err
'

test_expect_success 'the store is sound: eport-fsck and git fsck' '
	eport-fsck && { git_ fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf || :; } &&
	test_cmp /dev/null gf
'

done_testing
