#!/bin/sh
# The record survives the loss of its machine (DESIGN.md section 9): after a
# day's work (intake, checks, reviews, an amendment, cards written on the
# emulator, orders imported, the manifest, tracking, a bounce and a
# collection, closings, a revocation), db/ is deleted and the store rebuilt
# from its repository alone, and the whole store is deleted and restored
# from a backup: every listing is the same, byte for byte, and so is LMDB.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
STORE=$EPORT_HOME
git_() { git --git-dir="$EPORT_HOME/docs.git" "$@"; }
at() { t_=$1; shift; env EPORT_NOW="$t_" "$@"; }

# card CASE HOLDER: a blank card into the reader, written for the holder
card() {
	vcard_start "$TRASH/card-$2.json" &&
	EPORT_USER=carol eport-card write "$1" "$2" >/dev/null
	rc=$?
	vcard_stop
	return $rc
}

# listings DIR: what the office reads of the store at home, into DIR
listings() {
	mkdir "$1" &&
	eport-ls >"$1/ls" &&
	at 2026-12-04T16:00:00+08:00 eport-ls -w >"$1/wait" &&
	for id in $(eport-ls | sed 1d | cut -f1); do
		eport-show $id && eport-log $id || return 1
	done >"$1/cases" &&
	eport-card ls >"$1/cards" &&
	eport-order ls >"$1/orders" &&
	at 2026-12-04T16:00:00+08:00 eport-ship due >"$1/due" &&
	at 2026-12-04T16:00:00+08:00 eport-card expiring -d 1000 >"$1/expiring" &&
	eport-status 91350200MA2Y0K3PXF >"$1/status" &&
	mdb_dump -a "$EPORT_HOME/db" >"$1/dump" &&
	git_ for-each-ref >"$1/refs"
}

same() {
	for f in ls wait cases cards orders due expiring status dump refs; do
		test_cmp "$1/$f" "$2/$f" || return 1
	done
}

# Cases: 0001 onboard (two cards written, posted, delivered, closed; its
# operator card lost and revoked), 0002 operator-add (amended, accepted,
# waiting for its card), 0003 renew (returned), 0004 reader by post
# (posted, bounced, collected at the counter), 0005 deregister (closed:
# the enterprise is closed)
test_expect_success 'setup: a day at the office' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	{ sed -n 1p "$DATA/ship/cases.jsonl" &&
	  sed -n 4p "$DATA/ship/cases.jsonl" | jq -c ".enterprise.uscc = \"91350205MA2YQB7K1K\""; } >ex/more.jsonl &&
	EPORT_USER=alice eport-apply ex/cases.jsonl ex/more.jsonl >/dev/null &&
	printf "%s\n" 订单号,订单时间,订单状态,关区,取货方式,商品,数量,金额 \
	  NF20261120093015123,"2026-11-20 09:30:15",待提货,厦门分中心,关区取货,智能IC卡-操作员,1,200.00 |
	  iconv -f UTF-8 -t GB18030 >orders.csv &&
	eport-order import orders.csv "$DATA/ship/orders.tsv" >/dev/null &&
	{ eport-ls -s received | EPORT_USER=bob eport-check >/dev/null; test $? = 1; } &&
	EPORT_USER=bob eport-review accept -m "materials complete" $C-0001 $C-0002 $C-0004 $C-0005 >/dev/null &&
	EPORT_USER=bob eport-review return -m "请补充身份证件" $C-0003 >/dev/null &&
	EPORT_USER=carol eport-amend -m "企业来电更正收件人电话" $C-0002 mail.phone=13606050000 >/dev/null &&
	EPORT_USER=bob eport-check -q $C-0002 >/dev/null &&
	EPORT_USER=bob eport-review accept $C-0002 >/dev/null &&
	card $C-0001 350203198005120316 && card $C-0001 350206199001010244 &&
	at 2026-12-01T08:30:00+08:00 env EPORT_USER=dave eport-ship manifest -F tsv >manifest &&
	test $(sed 1d manifest | wc -l) = 3 &&
	printf "id\ttracking\n$C-0001\t1180098765432\n$C-0004\tEA123456785CN\n" |
		at 2026-12-01T15:00:00+08:00 env EPORT_USER=dave eport-ship mark >/dev/null &&
	at 2026-12-03T10:00:00+08:00 env EPORT_USER=dave eport-ship deliver $C-0001 >/dev/null &&
	at 2026-12-03T10:00:00+08:00 env EPORT_USER=dave eport-ship bounce -m 收件人拒收 $C-0004 >/dev/null &&
	at 2026-12-04T10:00:00+08:00 env EPORT_USER=erin \
		eport-ship collect -f 44.00 -m "郑宇航 350206199206150734" $C-0004 >/dev/null &&
	at 2026-12-04T11:00:00+08:00 env EPORT_USER=dave eport-close $C-0001 $C-0004 $C-0005 >/dev/null &&
	op=$(eport-card ls -j | jq -r "select(.role == \"operator\") | .number") &&
	EPORT_USER=dave eport-card revoke -m 遗失 $op >/dev/null &&
	eport-ls | cut -f1,4 | sed 1d >actual &&
	printf "%s\t%s\n" $C-0001 closed $C-0002 accepted $C-0003 returned $C-0004 closed \
		$C-0005 closed >expect &&
	test_cmp expect actual &&
	eport-fsck && listings day
'

test_expect_success 'the registry is on its own ref: its tree holds every record of LMDB' '
	git_ ls-tree -r --name-only refs/eport/XM/registry | cut -d/ -f1 | uniq -c |
		awk "{ print \$2, \$1 }" >actual &&
	printf "%s\n" "cards 2" "counters 2" "enterprises 1" "orders 5" "shipments 6" >expect &&
	test_cmp expect actual &&
	n=$(eport-card ls -j | sed -n 1p | jq -r .number) &&
	git_ show refs/eport/XM/registry:cards/$(echo $n | cut -c1-9)/$(echo $n | cut -c10-11)/$n >blob &&
	eport-card ls -j | jq -c "select(.number == \"$n\") | {number, uscc, holder, state, serial}" >want &&
	jq -c "{number, uscc, holder, state, serial}" blob >actual && test_cmp want actual &&
	grep -q "BEGIN CERTIFICATE" blob &&
	git_ show refs/eport/XM/registry:counters/case%3AXM2026/11/case%3AXM20261126 >actual &&
	echo 5 >expect && test_cmp expect actual &&
	git_ fsck --strict
'

test_expect_success 'db/ lost: rebuilt from the repository alone, every listing the same' '
	cp -a "$STORE" saved &&
	rm -rf "$STORE/db" &&
	EPORT_HOME=$TRASH/r1 eport-init --from "$STORE/docs.git" >out 2>err &&
	test_cmp /dev/null out && test_cmp /dev/null err &&
	EPORT_HOME=$TRASH/r1 listings r1.list &&
	same day r1.list &&
	EPORT_HOME=$TRASH/r1 eport-fsck &&
	git --git-dir=r1/docs.git fsck --strict &&
	test "$(git config -f r1/config office.branch)" = XM
'

test_expect_success 'without its keys it reads and checks, and refuses card work and export' '
	export EPORT_HOME=$TRASH/r1 &&
	test -d r1/keys && test ! -e r1/keys/master &&
	{ EPORT_USER=bob eport-check -f ex/cases.jsonl >findings; test $? = 1; } &&
	grep -q "	block	doc-missing	documents.id-handler	" findings &&
	snapshot nokeys &&
	test_expect_code 2 eport-card write $C-0002 2>err &&
	echo "eport-card: '\''$TRASH/r1/keys/ca.key'\'' is missing: this store has no keys (restored without them?); card work needs the office CA and the master key: copy them from a backup made with eport-backup -k into '\''$TRASH/r1/keys'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-export -o a.tar $C-0001 2>err &&
	grep -q "^eport-export: cannot read '\''$TRASH/r1/keys/ca.crt'\'': No such file or directory: the archive is signed" err &&
	unchanged nokeys &&
	export EPORT_HOME=$STORE
'

test_expect_success 'the next case id continues the sequence in the rebuilt store' '
	sed -n 2p ex/cases.jsonl | jq -c ".ref = \"NEXT1\"" >ex/next.jsonl &&
	EPORT_HOME=$TRASH/r1 eport-apply ex/next.jsonl | cut -f1 >actual &&
	printf "id\n$C-0006\n" >expect &&
	test_cmp expect actual &&
	cp -a saved s2 &&
	EPORT_HOME=$TRASH/s2 eport-apply ex/next.jsonl | cut -f1 >actual &&
	test_cmp expect actual &&
	EPORT_HOME=$TRASH/r1 eport-fsck
'

test_expect_success 'a registry that lags its cases: the case counter is raised to the last id' '
	git clone -q --mirror saved/docs.git lag.git &&
	git --git-dir=lag.git update-ref refs/eport/XM/registry refs/eport/XM/registry~3 &&
	EPORT_HOME=$TRASH/r2 eport-init --from lag.git &&
	EPORT_HOME=$TRASH/r2 eport-apply ex/next.jsonl | cut -f1 >actual &&
	printf "id\n$C-0006\n" >expect &&
	test_cmp expect actual &&
	EPORT_HOME=$TRASH/r2 eport-fsck
'

test_expect_success 'a backup of the store, with its keys; a second one moves nothing' '
	rm -rf "$STORE" && mv saved "$STORE" &&
	eport-backup -k bk >out &&
	printf "dest\trefs\tmoved\tobjects\nbk\t6\t6\t%s\n" $(cut -f4 out | sed 1d) >expect &&
	test_cmp expect out &&
	test "$(stat -c %a bk bk/keys bk/keys/master bk/keys/ca.key bk/db/data.mdb)" = "$(printf "700\n700\n600\n600\n600")" &&
	cmp bk/keys/master "$STORE/keys/master" && cmp bk/config "$STORE/config" &&
	eport-backup bk >out &&
	printf "dest\trefs\tmoved\tobjects\nbk\t6\t0\t0\n" >expect &&
	test_cmp expect out &&
	git --git-dir=bk/docs.git fsck --strict &&
	test ! -d bk/docs.git/refs/cases &&
	git --git-dir=bk/docs.git for-each-ref >actual && test_cmp day/refs actual &&
	eport-backup -V bk >out 2>err && test_cmp /dev/null out && test_cmp /dev/null err
'

test_expect_success 'the whole store lost: restored from the backup, every listing the same' '
	rm -rf "$STORE" &&
	eport-init --from bk --keys bk/keys &&
	listings restored &&
	same day restored &&
	cmp bk/keys/ca.key "$STORE/keys/ca.key" &&
	test "$(stat -c %a "$STORE" "$STORE/keys" "$STORE/keys/master")" = "$(printf "700\n700\n600")" &&
	eport-fsck && git_ fsck --strict
'

test_expect_success 'with its keys, the restored store writes the waiting card' '
	card $C-0002 350205198808080461 &&
	eport-card ls | cut -f1,5 | sed 1d >actual &&
	printf "%s\t%s\n" 3700260000015 active 3700260000023 revoked 3700260000031 active >expect &&
	test_cmp expect actual &&
	eport-ls -s ready | cut -f1 >actual && printf "id\n$C-0002\n" >expect && test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'an incremental backup carries only what is new, and verifies' '
	eport-backup bk >out &&
	test "$(cut -f3 out | sed 1d)" = 2 &&
	test "$(cut -f4 out | sed 1d)" -lt 40 &&
	eport-backup -V bk
'

test_expect_success '-V finds a backup whose repository lost an object, or whose copy disagrees' '
	cp -a bk bad1 &&
	obj=$(git --git-dir=bad1/docs.git rev-parse "refs/cases/$C-0002^{tree}") &&
	for p in bad1/docs.git/objects/pack/*.pack; do
		if git --git-dir=bad1/docs.git show-index <${p%.pack}.idx | grep -q " $obj "; then
			rm "$p" "${p%.pack}.idx"
		fi
	done &&
	! git --git-dir=bad1/docs.git cat-file -e $obj &&
	test_expect_code 1 eport-backup -V bad1 2>err &&
	grep -q "^eport-backup: '\''bad1'\'': eport-init --from failed: it does not restore$" err &&
	cp -a bk bad2 &&
	printf "NF20261126000000999\n{}\n" | mdb_load -T -s orders bad2/db && rm bad2/db/lock.mdb &&
	test_expect_code 1 eport-backup -V bad2 2>err &&
	grep -q "^eport-backup: bad2: orders: a record is not in the store rebuilt from the refs$" err &&
	grep -q "^eport-backup: '\''bad2'\'': its LMDB copy and its refs disagree" err
'

test_expect_success 'refusals: a store in the way, a repository with nothing, a backup that goes backwards' '
	test_expect_code 1 eport-init --from bk 2>err &&
	echo "eport-init: a store exists at '\''$STORE'\''; not overwriting it" >expect &&
	test_cmp expect err &&
	git init -q --bare empty.git &&
	test_expect_code 2 env EPORT_HOME=$TRASH/r3 eport-init --from empty.git 2>err &&
	echo "eport-init: '\''empty.git'\'' holds no case and no registry" >expect &&
	test_cmp expect err &&
	test ! -e r3 &&
	mkdir r5 && echo "[office]" >r5/config &&
	test_expect_code 2 env EPORT_HOME=$TRASH/r5 eport-init --from empty.git 2>/dev/null &&
	ls r5 >actual && echo config >expect && test_cmp expect actual &&
	test_expect_code 2 env EPORT_HOME=$TRASH/r4 eport-init --from "$TRASH/nowhere" 2>err &&
	grep -q "^eport-init: '\''$TRASH/nowhere'\'': " err &&
	test_expect_code 2 eport-backup "$STORE/inside" 2>err &&
	echo "eport-backup: '\''$STORE/inside'\'' is inside the store: back it up to another disk or directory" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-backup -k file://$TRASH/empty.git 2>err &&
	echo "eport-backup: -k: the keys never go into a git repository; back them up to a directory" >expect &&
	test_cmp expect err &&
	{ flock bk/.eport-backup.lock sleep 4 & } &&
	holder=$! &&
	n=0 && until fuser bk/.eport-backup.lock >/dev/null 2>&1 || test $n = 50; do
		sleep 0.1; n=$((n + 1))
	done &&
	test_expect_code 2 eport-backup bk 2>err &&
	wait $holder &&
	echo "eport-backup: '\''bk'\'': another eport-backup is writing to it" >expect &&
	test_cmp expect err &&
	eport-backup -n bk2 >out &&
	test ! -e bk2 &&
	printf "dest\trefs\tmoved\tobjects\nbk2\t6\t6\t0\n" >expect && test_cmp expect out &&
	snapshot before_n && eport-backup -n bk >/dev/null && unchanged before_n &&
	test_expect_code 2 env EPORT_HOME=$TRASH/r1 eport-backup bk 2>err &&
	grep -q "^eport-backup: '\''bk'\'' holds refs/cases/$C-0002 at a commit the store does not have: not this store'\''s backup" err
'

done_testing
