#!/bin/sh
# The staff's language (DESIGN.md section 11): under LANG=zh_CN.UTF-8 every
# command refuses in Chinese, under LC_ALL=C in English, from the catalogue
# built beside the commands; findings, statuses and what is stored are the
# same in every locale.  The locale is made for the test, without root, in
# its scratch directory (localedef, LOCPATH).
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC
if ! command -v localedef >/dev/null || ! [ -f /usr/share/i18n/locales/zh_CN ]; then
	skip_all "no zh_CN locale source to make the locale from (Debian's locales package)"
fi
mkdir -p "$TRASH/loc" &&
	localedef -i zh_CN -f UTF-8 "$TRASH/loc/zh_CN.UTF-8" >localedef.out 2>&1 ||
	skip_all "localedef cannot make zh_CN.UTF-8: $(sed 1q localedef.out)"

# zh CMD...: CMD under the staff's locale; en CMD...: under C
zh() {
	env LOCPATH="$TRASH/loc" LANG=zh_CN.UTF-8 LC_ALL= LANGUAGE= "$@"
}
en() {
	env LC_ALL=C LANGUAGE= "$@"
}

test_expect_success 'setup: the examples taken in and checked' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-order import "$DATA/orders/export.csv" >/dev/null &&
	{ (cd ex && eport-apply cases.jsonl) | eport-check -q >/dev/null || :; } &&
	echo "[]" >bad.jsonl && cp bad.jsonl bad-card.json &&
	test "$(eport-ls | grep -c "	checked	")" -eq 2 &&
	git --git-dir="$EPORT_HOME/docs.git" update-ref -d refs/cases/XM20261126-0002
'

# One refusal of each command of cmd/: its status, then the message in
# English and in Chinese, exactly (\n between lines).  The messages come
# from the command, from the library's buffers and from the batch of cases;
# eport-fsck finds the ref the setup removed.
while IFS='	' read -r code cmd msg_en msg_zh; do
	case $code in '' | '#'*) continue ;; esac
	test_expect_success "${cmd%% *} refuses in English under C and in Chinese under zh_CN" '
		snapshot before &&
		eval "test_expect_code $code en $cmd" >out.en 2>err.en &&
		eval "test_expect_code $code zh $cmd" >out.zh 2>err.zh &&
		printf "%b\n" "$msg_en" | sed "s|\$EPORT_HOME|$EPORT_HOME|" >expect.en &&
		printf "%b\n" "$msg_zh" | sed "s|\$EPORT_HOME|$EPORT_HOME|" >expect.zh &&
		test_cmp expect.en err.en && test_cmp expect.zh err.zh &&
		unchanged before
	'
done <<\EOF
2	eport nosuch	eport: 'nosuch' is not an eport command (see 'eport help')	eport: 'nosuch' 不是 eport 命令（见 'eport help'）
1	eport-amend -m x XM20261126-0001 nosuch.field=1	eport-amend: XM20261126-0001: argument 2: nosuch.field: not a field of the record that can be amended	eport-amend: XM20261126-0001: 第 2 个参数: nosuch.field: 不是记录中可以更正的字段
1	eport-apply bad.jsonl	eport-apply: bad.jsonl:1: header: column 1: '[]' is not a field path	eport-apply: bad.jsonl:1: 表头：第 1 列：'[]' 不是字段路径
1	eport-attach XM20261126-0001 photo x.pdf	eport-attach: 'photo': not a document kind	eport-attach: 'photo'：不是材料类别
2	eport-backup "$EPORT_HOME/backup"	eport-backup: '$EPORT_HOME/backup' is inside the store: back it up to another disk or directory	eport-backup: '$EPORT_HOME/backup' 在业务库之内：请备份到另一块磁盘或另一个目录
2	eport-cal -n x	eport-cal: 'x': not a number of days	eport-cal: 'x'：不是天数
1	eport-card revoke -m lost 999	eport-card: card '999': no such card	eport-card: 卡 '999'：没有这张卡
1	eport-check XM20261126-0009	eport-check: XM20261126-0009: no such case	eport-check: XM20261126-0009: 没有这个业务
1	eport-close XM20261126-0003	eport-close: XM20261126-0003: case is incomplete; close takes ready, delivered, collected, rejected or withdrawn	eport-close: XM20261126-0003: 业务状态为 incomplete；只能办结 ready、delivered、collected、rejected 或 withdrawn 的业务
1	eport-fsck	eport-fsck: XM20261126-0002: refs/cases/XM20261126-0002 is missing (eport-fsck -r makes it)\neport-fsck: 1 problem	eport-fsck: XM20261126-0002: 缺少 refs/cases/XM20261126-0002（eport-fsck -r 会建立它）\neport-fsck: 1 个问题
2	eport-export -o x.rar XM20261126-0001	eport-export: 'x.rar': name the archive .tar, .tar.gz, .tar.xz or .zip	eport-export: 'x.rar'：归档文件名应以 .tar、.tar.gz、.tar.xz 或 .zip 结尾
1	eport-init	eport-init: a store exists at '$EPORT_HOME'; not overwriting it	eport-init: '$EPORT_HOME' 已有业务库；不予覆盖
1	eport-log XM20261126-0009	eport-log: 'XM20261126-0009': no such case	eport-log: 'XM20261126-0009'：没有这个业务
2	eport-ls -s nosuch	eport-ls: -s 'nosuch': not a state	eport-ls: -s 'nosuch'：不是业务状态
2	eport-order ls -s 未知	eport-order: -s '未知': not an order status (待支付, 待认证, 待开票, 待提货, 待退款 or 完成)	eport-order: -s '未知'：不是订单状态（待支付、待认证、待开票、待提货、待退款或完成）
2	eport-report -t x	eport-report: -t 'x': not work, backlog, age, posting or stages	eport-report: -t 'x'：不是 work、backlog、age、posting 或 stages
1	eport-review accept XM20261126-0001	eport-review: XM20261126-0001: four eyes: alice took this case in and cannot accept it	eport-review: XM20261126-0001: 双人复核：alice 受理了本业务，不能再审核通过
2	eport-ship manifest -F pdf	eport-ship: -F 'pdf': not csv, tsv or xlsx	eport-ship: -F 'pdf'：不是 csv、tsv 或 xlsx
1	eport-show XM20261126-0009	eport-show: 'XM20261126-0009': no such case	eport-show: 'XM20261126-0009'：没有这个业务
1	eport-status 123	eport-status: '123': neither a USCC (18 characters) nor an organisation code (9)	eport-status: '123'：既不是统一社会信用代码（18 位），也不是组织机构代码（9 位）
2	eport-vcard bad-card.json	eport-vcard: bad-card.json: expected a JSON object	eport-vcard: bad-card.json: 应为 JSON 对象
2	eport-web	usage: eport-web (a CGI program, run by the web server: see eport-web(1))	用法：eport-web（CGI 程序，由 Web 服务器运行：见 eport-web(1)）
EOF

test_expect_success 'every command of cmd/ has its refusal above' '
	(cd "$SRC/cmd" && for f in eport*.c; do echo "${f%.c}"; done) | sort >commands &&
	sed -n "s/^[0-9]	\([^ 	]*\).*/\1/p" "$SRC/t/0016-l10n.t" | sort -u >tested &&
	comm -23 commands tested >untested &&
	test_cmp /dev/null untested
'

test_expect_success 'LANG chooses; LC_ALL and LC_MESSAGES win over it' '
	echo "eport-cal: '"'"'x'"'"'：不是天数" >expect.zh &&
	echo "eport-cal: '"'"'x'"'"': not a number of days" >expect.en &&
	test_expect_code 2 env LOCPATH="$TRASH/loc" LANG=zh_CN.UTF-8 LC_ALL= eport-cal -n x 2>err &&
	test_cmp expect.zh err &&
	test_expect_code 2 env LOCPATH="$TRASH/loc" LANG=C LC_MESSAGES=zh_CN.UTF-8 LC_ALL= \
		eport-cal -n x 2>err &&
	test_cmp expect.zh err &&
	test_expect_code 2 env LOCPATH="$TRASH/loc" LANG=zh_CN.UTF-8 LC_ALL=C eport-cal -n x 2>err &&
	test_cmp expect.en err &&
	test_expect_code 2 env LOCPATH="$TRASH/loc" LANG=zh_CN.UTF-8 LC_MESSAGES=C LC_ALL= \
		eport-cal -n x 2>err &&
	test_cmp expect.en err
'

test_expect_success 'the usage in Chinese on stdout for --help' '
	zh eport-ls --help >out 2>err &&
	test_cmp /dev/null err &&
	head -n 1 out | grep -q "^用法：eport-ls \[-j\] \[-s 状态\]" &&
	zh eport help >help && grep -q "^   ls  *列出业务" help
'

test_expect_success 'the system'"'"'s reasons (strerror) are the C library'"'"'s Chinese, in UTF-8' '
	if [ -f /usr/share/locale/zh_CN/LC_MESSAGES/libc.mo ]; then
		test_expect_code 1 zh eport-apply nosuch.jsonl 2>err &&
		echo "eport-apply: 无法打开 '"'"'nosuch.jsonl'"'"': 没有那个文件或目录" >expect &&
		test_cmp expect err
	fi
'

test_expect_success 'findings and statuses are the same in every locale' '
	{ (cd ex && zh eport-check -f cases.jsonl) >find.zh 2>&1 || :; } &&
	{ (cd ex && en eport-check -f cases.jsonl) >find.en 2>&1 || :; } &&
	test_cmp find.en find.zh && grep -q "缺少" find.en &&
	en eport-status 91350200MA2Y0K3PXF >st.en && zh eport-status 91350200MA2Y0K3PXF >st.zh &&
	test_cmp st.en st.zh && grep -q "已受理" st.en
'

test_expect_success 'what is stored does not depend on the locale' '
	rm -rf "$EPORT_HOME" && make_store &&
	eport-order import "$DATA/orders/export.csv" >/dev/null &&
	{ (cd ex && zh eport-apply cases.jsonl) | zh eport-check >/dev/null || :; } &&
	mdb_dump -a "$EPORT_HOME/db" | grep -v "^\(VERSION\|format\|type\|mapsize\|maxreaders\|db_pagesize\|HEADER\)" >db.zh &&
	git --git-dir="$EPORT_HOME/docs.git" log --format="%s%n%b" refs/cases/XM20261126-0003 >log.zh &&
	rm -rf "$EPORT_HOME" && make_store &&
	eport-order import "$DATA/orders/export.csv" >/dev/null &&
	{ (cd ex && en eport-apply cases.jsonl) | en eport-check >/dev/null || :; } &&
	mdb_dump -a "$EPORT_HOME/db" | grep -v "^\(VERSION\|format\|type\|mapsize\|maxreaders\|db_pagesize\|HEADER\)" >db.en &&
	git --git-dir="$EPORT_HOME/docs.git" log --format="%s%n%b" refs/cases/XM20261126-0003 >log.en &&
	test_cmp db.en db.zh && test_cmp log.en log.zh &&
	grep -q "^check XM20261126-0003: 3 blocking, 1 warning$" log.en
'

# man renders for ASCII under LANG=C, where groff has no Chinese glyph: the
# pages that quote Chinese say so then, without a warning for each glyph,
# and show it under a UTF-8 locale.
test_expect_success 'the pages that quote Chinese: a note and no troff warning under C' '
	if command -v man >/dev/null && command -v groff >/dev/null; then
		grep -lP "[^\x00-\x7f]" "$SRC"/man/man*/*.[0-9] >pages &&
		test "$(wc -l <pages)" -gt 10 &&
		while read -r p; do
			LC_ALL=C MANWIDTH=80 man -l "$p" >c.out 2>c.err &&
			grep -q "^ *\[This page quotes Chinese" c.out &&
			! grep "special character" c.err &&
			LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p" >u.out 2>u.err &&
			! grep -q "This page quotes Chinese" u.out &&
			! grep "special character" u.err &&
			grep -qP "[^\x00-\x7f]" u.out || { echo "$p"; return 1; }
		done <pages
	fi
'

done_testing
