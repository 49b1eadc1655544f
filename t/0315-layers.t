#!/bin/sh
# The office's data in layers (DESIGN.md section 11, eport-config(5)):
# share/eport, then /etc/eport (here EPORT_SYSCONFDIR), then the store.  The
# rulebook, the kinds and the holidays extend line by line, a later line for
# the same key winning; manifest.tsv is taken whole from the last layer
# that has one.  Each check records the digest of the rulebook it read.
. "$EPORT_SRC/t/lib.sh"

SYS=$EPORT_SYSCONFDIR
SHARE=$EPORT_SHARE

# first_line CSV: its header line, without the BOM and the CR
first_line() {
	head -n 1 "$1" | sed "s/^$(printf "\357\273\277")//" | tr -d "\r"
}

# digest FILE...: what checked_with is for a rulebook read from FILE...: the
# sha256 of each file's name, NUL, its length, NUL and its bytes, in order
digest() {
	for f; do
		printf '%s\0%s\0' "${f##*/}" "$(wc -c <"$f" | tr -d " ")"
		cat "$f"
	done | sha256sum | cut -d" " -f1
}

test_expect_success 'setup: the examples taken in, their orders paid' '
	make_store &&
	cp -R "$SHARE/examples" ex &&
	eport-order import "$DATA/orders/export.csv" >/dev/null &&
	eport-apply ex/cases.jsonl >ids
'

test_expect_success 'a check records the digest of the rulebook it read: share alone' '
	echo XM20261126-0001 | eport-check -q >out &&
	eport-show XM20261126-0001 | jq -r .checked_with >actual &&
	digest "$SHARE/kinds.tsv" "$SHARE/rules.tsv" >expect &&
	test_cmp expect actual &&
	eport-log -j XM20261126-0001 | tail -n 1 | jq -r .checked_with >event &&
	test_cmp expect event
'

test_expect_success 'eport-show -t prints it among the columns' '
	eport-show -t XM20261126-0001 >t.tsv &&
	head -n 1 t.tsv | tr "\t" "\n" | grep -qx checked_with
'

test_expect_success 'a rule the office adds in /etc/eport/rules.tsv blocks' '
	printf "type\tchannel\tpickup\twhat\tper\tn\targ\tlabel\n" >"$SYS/rules.tsv" &&
	printf "# 本中心自2026年12月起要求\nonboard\tpost\t*\tpoa\tcase\t1\n" >>"$SYS/rules.tsv" &&
	test_expect_code 1 eport-check XM20261126-0001 >out &&
	grep -q "	block	doc-missing	documents.poa	缺少《授权委托书》$" out &&
	test "$(eport-show XM20261126-0001 | jq -r .state)" = incomplete
'

test_expect_success 'the case checked again records the new rulebook: share, then /etc' '
	eport-show XM20261126-0001 | jq -r .checked_with >actual &&
	digest "$SHARE/kinds.tsv" "$SHARE/rules.tsv" "$SYS/rules.tsv" >expect &&
	test_cmp expect actual &&
	eport-log -j XM20261126-0001 | jq -r "select(.action == \"check\") | .checked_with" |
		uniq | wc -l >n && test "$(cat n)" -eq 2
'

test_expect_success 'a case checked with the older rulebook is not accepted: the check no longer passes' '
	echo XM20261126-0002 | eport-check -q >/dev/null &&
	printf "operator-add\tpost\t*\tpoa\tcase\t1\n" >>"$SYS/rules.tsv" &&
	snapshot before &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept XM20261126-0002 2>err &&
	grep -q "the check no longer passes (doc-missing: 缺少《授权委托书》)" err &&
	unchanged before
'

test_expect_success 'the store'"'"'s kinds.tsv renames a kind for its messages' '
	printf "kind\tname\tpaper\tcite\npoa\t授权委托书\tyes\t授权委托书原件\n" >"$EPORT_HOME/kinds.tsv" &&
	test_expect_code 1 eport-check XM20261126-0001 >out &&
	grep -q "	documents.poa	缺少授权委托书原件$" out
'

test_expect_success 'a later layer takes a rule out with n 0; the digest follows every file read' '
	printf "type\tchannel\tpickup\twhat\tper\tn\targ\tlabel\n" >"$EPORT_HOME/rules.tsv" &&
	printf "onboard\tpost\t*\tpoa\tcase\t0\n" >>"$EPORT_HOME/rules.tsv" &&
	echo XM20261126-0001 | eport-check -q >out &&
	printf "id\nXM20261126-0001\n" >expect && test_cmp expect out &&
	eport-show XM20261126-0001 | jq -r .checked_with >actual &&
	digest "$SHARE/kinds.tsv" "$EPORT_HOME/kinds.tsv" "$SHARE/rules.tsv" \
		"$SYS/rules.tsv" "$EPORT_HOME/rules.tsv" >expect &&
	test_cmp expect actual
'

test_expect_success 'a bad line in an office layer is refused with its file and line; nothing changes' '
	cp "$SYS/rules.tsv" sys-rules.tsv &&
	printf "onboard\tpost\t*\tphoto\tcase\t1\n" >>"$SYS/rules.tsv" &&
	n=$(wc -l <"$SYS/rules.tsv") &&
	snapshot before &&
	test_expect_code 2 eport-check XM20261126-0001 >out 2>err &&
	echo "eport-check: $SYS/rules.tsv:$n: unknown kind '"'"'photo'"'"'" >expect &&
	test_cmp expect err && unchanged before &&
	cp sys-rules.tsv "$SYS/rules.tsv"
'

test_expect_success 'holidays: /etc adds a day off, the store'"'"'s layer overrides it' '
	echo 2026-12-04 >expect &&
	eport-cal -n 1 2026-12-03 >actual && test_cmp expect actual &&
	printf "date\tkind\tname\n2026-12-04\tholiday\t本中心停电\n" >"$SYS/holidays.tsv" &&
	echo 2026-12-07 >expect &&
	eport-cal -n 1 2026-12-03 >actual && test_cmp expect actual &&
	printf "2026-12-04\tworkday\t恢复办公\n" >"$EPORT_HOME/holidays.tsv" &&
	echo 2026-12-04 >expect &&
	eport-cal -n 1 2026-12-03 >actual && test_cmp expect actual
'

test_expect_success 'a year the calendar lacks: the office is told to add it to its own layer' '
	rm "$EPORT_HOME/holidays.tsv" &&
	test_expect_code 2 eport-cal 2031-03-02 2>err &&
	grep -q "to $SYS/holidays.tsv$" err &&
	rm "$SYS/holidays.tsv" &&
	test_expect_code 2 eport-cal 2031-03-02 2>err &&
	grep -q "to $EPORT_HOME/holidays.tsv$" err
'

test_expect_success 'manifest.tsv: /etc replaces share'"'"'s whole, the store'"'"'s replaces /etc'"'"'s' '
	printf "column\theader\tvalue\nid\t单号\tid\nname\t单位\tenterprise.name\n" >"$SYS/manifest.tsv" &&
	eport-ship manifest -n -F csv >m.csv &&
	first_line m.csv >actual &&
	echo "\"单号\",\"单位\"" >expect && test_cmp expect actual &&
	printf "column\theader\tvalue\nid\t业务编号\tid\n" >"$EPORT_HOME/manifest.tsv" &&
	eport-ship manifest -n -F csv >m.csv &&
	first_line m.csv >actual &&
	echo "\"业务编号\"" >expect && test_cmp expect actual
'

test_expect_success 'config: /etc/eport/config wins over share'"'"'s, the store'"'"'s over both' '
	echo 2026-12-03 >expect &&
	eport-cal -n 0 2026-12-03T08:45:00+08:00 >actual && test_cmp expect actual &&
	git config -f "$SYS/config" office.hours 08:30-08:40 &&
	echo 2026-12-04 >expect &&
	eport-cal -n 0 2026-12-03T08:45:00+08:00 >actual && test_cmp expect actual &&
	git config -f "$EPORT_HOME/config" office.hours 08:30-12:00 &&
	echo 2026-12-03 >expect &&
	eport-cal -n 0 2026-12-03T08:45:00+08:00 >actual && test_cmp expect actual
'

done_testing
