#!/bin/sh
# eport-fsck: LMDB and docs.git agree, and -r mends what is safe to mend.
. "$(dirname "$0")/lib.sh"

git_() { git --git-dir="$EPORT_HOME/docs.git" "$@"; }

test_expect_success 'setup' '
	eport-init && cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >/dev/null
'

test_expect_success 'a fresh store is clean: fsck says nothing and exits 0' '
	eport-fsck >out 2>err && test ! -s out && test ! -s err &&
	git_ fsck --strict
'

test_expect_success 'a missing ref (a crash before the ref moved) is found, and -r makes it' '
	c=$(git_ rev-parse refs/cases/XM20261126-0002) &&
	git_ update-ref -d refs/cases/XM20261126-0002 &&
	test_expect_code 1 eport-fsck 2>err &&
	printf "%s\n" "eport-fsck: XM20261126-0002: refs/cases/XM20261126-0002 is missing (eport-fsck -r makes it)" \
		"eport-fsck: 1 problem" >expect &&
	test_cmp expect err &&
	eport-fsck -r 2>err &&
	echo "eport-fsck: XM20261126-0002: refs/cases/XM20261126-0002 moved to the case'\''s commit" >expect &&
	test_cmp expect err &&
	test "$(git_ rev-parse refs/cases/XM20261126-0002)" = "$c" &&
	eport-fsck
'

# refs are written without fsync (LMDB is the truth): a crash may leave one
# empty, and libgit2 will not overwrite a file it cannot read
test_expect_success 'a ref torn by a crash (an empty file) is found, and -r mends it' '
	c=$(git_ rev-parse refs/cases/XM20261126-0001) &&
	: >"$EPORT_HOME/docs.git/refs/cases/XM20261126-0001" &&
	test_expect_code 1 eport-fsck 2>err &&
	grep -q "^eport-fsck: XM20261126-0001: refs/cases/XM20261126-0001 is missing" err &&
	eport-fsck -r 2>err &&
	echo "eport-fsck: XM20261126-0001: refs/cases/XM20261126-0001 moved to the case'\''s commit" >expect &&
	test_cmp expect err &&
	test "$(git_ rev-parse refs/cases/XM20261126-0001)" = "$c" &&
	eport-fsck
'

# libgit2 puts a ref in place with link(2) then unlink(2) of its lock, so a
# writer killed between the two leaves the lock beside a ref that is right
test_expect_success 'a lock left beside a sound ref is found, and -r removes it' '
	d="$EPORT_HOME/docs.git/refs/cases" &&
	ln "$d/XM20261126-0002" "$d/XM20261126-0002.lock" &&
	touch "$d/XM20261126-0002.lock" &&
	eport-fsck 2>err &&
	test ! -s err &&
	touch -d "1 minute ago" "$d/XM20261126-0002.lock" &&
	test_expect_code 1 eport-fsck 2>err &&
	printf "%s\n" "eport-fsck: XM20261126-0002: refs/cases/XM20261126-0002.lock is left by a writer that is gone (eport-fsck -r removes it)" \
		"eport-fsck: 1 problem" >expect &&
	test_cmp expect err &&
	eport-fsck -r 2>err &&
	echo "eport-fsck: XM20261126-0002: refs/cases/XM20261126-0002.lock removed, its writer is gone" >expect &&
	test_cmp expect err &&
	test ! -e "$d/XM20261126-0002.lock" &&
	test -s "$d/XM20261126-0002" &&
	eport-fsck
'

# a batch killed while its pack was made: the indexer's temporary pack, or
# a whole pack and index not yet moved into objects/pack; no case names
# their objects.  Before objects/eport-incoming, the indexer's temporary
# files were made in objects/pack itself.
test_expect_success 'a pack write cut off is found, and -r removes what it left' '
	in="$EPORT_HOME/docs.git/objects/eport-incoming" p="$EPORT_HOME/docs.git/objects/pack" &&
	mkdir -p "$in" &&
	head -c 1000 /dev/urandom >"$in/pack_git2_0123456789abcdef" &&
	h=0123456789abcdef0123456789abcdef01234567 &&
	: >"$in/pack-$h.idx" &&
	: >"$p/pack_git2_0123456789abidx.lock" &&
	eport-fsck 2>err &&
	test ! -s err &&
	touch -d "1 minute ago" "$in"/* "$p"/pack_git2_* &&
	test_expect_code 1 eport-fsck 2>err &&
	sort err >sorted &&
	m="is left by a pack write that was cut off (eport-fsck -r removes it)" &&
	printf "%s\n" "eport-fsck: 3 problems" \
		"eport-fsck: docs.git: objects/eport-incoming/pack-$h.idx $m" \
		"eport-fsck: docs.git: objects/eport-incoming/pack_git2_0123456789abcdef $m" \
		"eport-fsck: docs.git: objects/pack/pack_git2_0123456789abidx.lock $m" >expect &&
	test_cmp expect sorted &&
	eport-fsck -r 2>err &&
	sort err >sorted &&
	m="removed, its writer is gone" &&
	printf "%s\n" "eport-fsck: docs.git: objects/eport-incoming/pack-$h.idx $m" \
		"eport-fsck: docs.git: objects/eport-incoming/pack_git2_0123456789abcdef $m" \
		"eport-fsck: docs.git: objects/pack/pack_git2_0123456789abidx.lock $m" >expect &&
	test_cmp expect sorted &&
	test -z "$(ls "$in")" &&
	test -z "$(ls "$p" | grep pack_git2_)" &&
	git_ count-objects -v | grep -x "garbage: 0" &&
	eport-fsck
'

# a keep says whose it is: "eport PID START BOOT" (START: the 22nd field
# of /proc/PID/stat); one whose writer is gone, or a pack moved in without
# its index, is debris, and so is the config.lock of a write cut off;
# another writer'\''s keep, or an administrator'\''s, is not
test_expect_success 'keeps of writers that are gone are found, and -r removes them alone' '
	p="$EPORT_HOME/docs.git/objects/pack" &&
	set -- "$p"/pack-*.pack && test $# = 1 &&
	b=$(basename "$1" .pack) &&
	boot=$(cat /proc/sys/kernel/random/boot_id) &&
	echo "eport 999999999 12345 $boot" >"$p/$b.keep" &&
	{ sleep 60 & } &&
	live=$! &&
	echo "eport $live $(cut -d" " -f22 /proc/$live/stat) $boot" \
		>"$p/pack-0000000000000000000000000000000000000000.keep" &&
	: >"$p/pack-1111111111111111111111111111111111111111.keep" &&
	test_expect_code 1 eport-fsck 2>err &&
	printf "%s\n" "eport-fsck: docs.git: objects/pack/$b.keep is left by a writer that is gone (eport-fsck -r removes it)" \
		"eport-fsck: 1 problem" >expect &&
	test_cmp expect err &&
	eport-fsck -r 2>err &&
	echo "eport-fsck: docs.git: objects/pack/$b.keep removed, its writer is gone" >expect &&
	test_cmp expect err &&
	test ! -e "$p/$b.keep" &&
	test -e "$p/pack-0000000000000000000000000000000000000000.keep" &&
	test -e "$p/pack-1111111111111111111111111111111111111111.keep" &&
	kill $live && wait $live;
	test_expect_code 1 eport-fsck 2>err &&
	grep -q "pack-0000000000000000000000000000000000000000.keep is left by a writer that is gone" err &&
	rm "$p"/pack-0000*.keep "$p"/pack-1111*.keep &&
	eport-fsck
'

test_expect_success 'a keep is not removed while a ref it may guard is not mended' '
	p="$EPORT_HOME/docs.git/objects/pack" &&
	set -- "$p"/pack-*.pack &&
	b=$(basename "$1" .pack) &&
	echo "eport 999999999 12345 $(cat /proc/sys/kernel/random/boot_id)" >"$p/$b.keep" &&
	c=$(git_ rev-parse refs/cases/XM20261126-0001) &&
	t=$(git_ rev-parse "$c^{tree}") &&
	other=$(echo "other" | git_ commit-tree "$t") &&
	git_ update-ref refs/cases/XM20261126-0001 "$other" &&
	test_expect_code 1 eport-fsck -r 2>err &&
	grep -q "^eport-fsck: docs.git: objects/pack/$b.keep is left by a writer that is gone" err &&
	test -e "$p/$b.keep" &&
	git_ update-ref refs/cases/XM20261126-0001 "$c" &&
	eport-fsck -r 2>err &&
	test ! -e "$p/$b.keep" &&
	eport-fsck
'

# a writer killed between the renames of its pack and index: the pack is
# in objects/pack without an index (its keep with it), and LMDB never
# committed the batch; git counts the pack as garbage
test_expect_success 'a pack without its index is found, and -r removes it' '
	p="$EPORT_HOME/docs.git/objects/pack" &&
	set -- "$p"/pack-*.pack &&
	h=2222222222222222222222222222222222222222 &&
	cp "$1" "$p/pack-$h.pack" &&
	echo "eport 999999999 12345 $(cat /proc/sys/kernel/random/boot_id)" >"$p/pack-$h.keep" &&
	test_expect_code 1 eport-fsck 2>err &&
	printf "%s\n" "eport-fsck: docs.git: objects/pack/pack-$h.keep is left by a writer that is gone (eport-fsck -r removes it)" \
		"eport-fsck: 1 problem" >expect &&
	test_cmp expect err &&
	touch -d "1 minute ago" "$p/pack-$h.pack" &&
	test_expect_code 1 eport-fsck 2>err &&
	sort err >sorted &&
	printf "%s\n" "eport-fsck: 2 problems" \
		"eport-fsck: docs.git: objects/pack/pack-$h.keep is left by a writer that is gone (eport-fsck -r removes it)" \
		"eport-fsck: docs.git: objects/pack/pack-$h.pack is left by a pack write that was cut off (eport-fsck -r removes it)" >expect &&
	test_cmp expect sorted &&
	eport-fsck -r 2>err &&
	test ! -e "$p/pack-$h.pack" && test ! -e "$p/pack-$h.keep" &&
	git_ count-objects -v | grep -x "garbage: 0" &&
	eport-fsck
'

test_expect_success 'the config.lock of a write cut off is found, and -r removes it' '
	: >"$EPORT_HOME/docs.git/config.lock" &&
	eport-fsck 2>err && test ! -s err &&
	touch -d "1 minute ago" "$EPORT_HOME/docs.git/config.lock" &&
	test_expect_code 1 eport-fsck 2>err &&
	printf "%s\n" "eport-fsck: docs.git: config.lock is left by a configuration write that was cut off; git config fails while it is there (eport-fsck -r removes it)" \
		"eport-fsck: 1 problem" >expect &&
	test_cmp expect err &&
	eport-fsck -r 2>err &&
	echo "eport-fsck: docs.git: config.lock removed, its writer is gone" >expect &&
	test_cmp expect err &&
	test ! -e "$EPORT_HOME/docs.git/config.lock" &&
	git_ config --get pack.deltaCacheSize >/dev/null &&
	eport-fsck
'

test_expect_success 'a ref off the case'\''s history is reported, not moved' '
	c=$(git_ rev-parse refs/cases/XM20261126-0001) &&
	t=$(git_ rev-parse "$c^{tree}") &&
	p=$(echo "older" | git_ commit-tree "$t") &&
	git_ update-ref refs/cases/XM20261126-0003 "$p" &&
	test_expect_code 1 eport-fsck -r 2>err &&
	grep -q "XM20261126-0003: refs/cases/XM20261126-0003 is not on the case" err &&
	test "$(git_ rev-parse refs/cases/XM20261126-0003)" = "$p"
'

test_expect_success 'a ref naming no case is reported, not removed' '
	git_ update-ref refs/cases/XM20261126-0003 "$(eport-show XM20261126-0003 | jq -r .commit)" &&
	git_ update-ref refs/cases/XM20991231-0001 "$(git_ rev-parse refs/cases/XM20261126-0001)" &&
	test_expect_code 1 eport-fsck -r 2>err &&
	grep -q "^eport-fsck: XM20991231-0001: refs/cases/XM20991231-0001 names no case in the db$" err &&
	git_ rev-parse -q --verify refs/cases/XM20991231-0001 &&
	git_ update-ref -d refs/cases/XM20991231-0001 &&
	eport-fsck
'

# intake writes one pack per batch; loose objects are easier to tamper with
test_expect_success 'a document whose blob was overwritten is found' '
	mkdir packs &&
	mv "$EPORT_HOME"/docs.git/objects/pack/pack-* packs/ &&
	for p in packs/*.pack; do git_ unpack-objects -q <"$p" || return 1; done &&
	obj=$(git_ rev-parse refs/cases/XM20261126-0003:docs/form1-1.pdf) &&
	f="$EPORT_HOME/docs.git/objects/$(echo $obj | cut -c1-2)/$(echo $obj | cut -c3-)" &&
	bad=$(printf tampered | git_ hash-object -w --stdin) &&
	chmod u+w "$f" &&
	cp "$EPORT_HOME/docs.git/objects/$(echo $bad | cut -c1-2)/$(echo $bad | cut -c3-)" "$f" &&
	test_expect_code 1 eport-fsck 2>err &&
	grep -q "^eport-fsck: XM20261126-0003: document '\''docs/form1-1.pdf'\'' " err
'

done_testing
