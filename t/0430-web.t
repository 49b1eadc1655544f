#!/bin/sh
# eport-web: the public status page through a real lighttpd on loopback, as
# the web server's own user: the statuses of eport-status for a case in each
# state, masked; every refusal with its status, headers and message; the
# page in Debian's chromium (its DOM, a screenshot, the page and the notice
# printed to PDF); the snapshot checked and mended by eport-fsck; and pages
# served while other commands write the store.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/web.sh"

A=91350200MA2Y0Q1X9G	# the reader cases' enterprise
PUB=$TRASH/pub

# rdr N LINE: line LINE of the review readers, with its own ref and order
rdr() {
	sed -n "$2p" "$DATA/review/readers.jsonl" |
		sed "s/\"ref\":\"[0-9]*\"/\"ref\":\"11800666666$1\"/;
		     s/\"order\":\"[^\"]*\"/\"order\":\"NF20261122120000$1\"/"
}

# get NAME URL [CURL ARGS]: the response in NAME.head (CR dropped) and
# NAME.body, the status code in NAME.code
get() {
	n=$1 u=$2
	shift 2
	curl -s -S --path-as-is -D "$n.raw" -o "$n.body" -w '%{http_code}' "$@" "$WEB_URL$u" >"$n.code" &&
	tr -d '\r' <"$n.raw" >"$n.head"
}

# refused NAME CODE MESSAGE: NAME got CODE, the page's message, and the
# headers every response of eport-web carries
headers_ok() {
	grep -qx "Content-Security-Policy: default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" "$1.head" &&
	grep -qx "X-Content-Type-Options: nosniff" "$1.head" &&
	grep -qx "Cache-Control: no-store" "$1.head"
}
refused() {
	test "$(cat "$1.code")" = "$2" && headers_ok "$1" &&
	grep -qF "<p class=\"error\" role=\"alert\">$3</p>" "$1.body"
}

# rows FILE: the cases of a page, "id<TAB>status<TAB>detail"
rows() {
	sed -n 's|^<tr><td>\([^<]*\)</td><td>[^<]*</td><td>[^<]*</td><td class="status">\([^<]*\)</td><td>\(.*\)</td></tr>$|\1	\2	\3|p' "$1"
}

test_expect_success 'setup: a store that publishes, and a case in each state' '
	eport-init >/dev/null &&
	git config -f "$EPORT_HOME/config" web.public "$PUB" &&
	chmod 711 "$TRASH" &&
	cp -R "$EPORT_SHARE/examples" ex &&
	{ rdr 101 1 && rdr 102 1 && rdr 103 2 | sed "s/\"phone\":\"13906001234\"/\"phone\":\"\"/" &&
	  rdr 104 2 | sed "s/\"phone\":\"13906001234\"/\"phone\":\"\"/" &&
	  rdr 105 1 && rdr 106 1 && rdr 107 2 && rdr 108 2 && rdr 109 2 && rdr 110 2 &&
	  rdr 111 1 && rdr 112 1 && rdr 113 1; } >ex/more.jsonl &&
	reader_orders ex/more.jsonl >more-orders.tsv &&
	eport-order import more-orders.tsv >/dev/null &&
	eport-apply ex/cases.jsonl ex/more.jsonl >/dev/null &&
	test_expect_code 1 eport-check XM20261126-0001 XM20261126-0003 XM20261126-0005 \
		XM20261126-0006 XM20261126-0007 XM20261126-0008 XM20261126-0009 XM20261126-0010 \
		XM20261126-0011 XM20261126-0012 XM20261126-0013 XM20261126-0014 XM20261126-0015 \
		XM20261126-0016 >/dev/null &&
	EPORT_USER=bob eport-review accept -m ok XM20261126-0001 XM20261126-0009 XM20261126-0010 \
		XM20261126-0011 XM20261126-0012 XM20261126-0013 XM20261126-0014 XM20261126-0015 \
		>/dev/null &&
	EPORT_USER=bob eport-review withdraw -m 企业撤回申请 XM20261126-0016 >/dev/null &&
	EPORT_USER=bob eport-review reject -m 企业信息与营业执照不符 XM20261126-0008 >/dev/null &&
	EPORT_USER=bob eport-review return -m "请补充收件人黄小燕的电话13906001234" XM20261126-0007 >/dev/null &&
	printf "id\ttracking\nXM20261126-0011\t1180098765432\nXM20261126-0012\t1180098765446\nXM20261126-0013\t1180098765450\n" |
		eport-ship mark >/dev/null &&
	eport-ship deliver XM20261126-0012 >/dev/null &&
	eport-ship bounce -m 收件人拒收 XM20261126-0013 >/dev/null &&
	eport-close XM20261126-0014 >/dev/null &&
	eport-ship collect -m "林晓燕 11010519491231002X" XM20261126-0015 >/dev/null
'

test_expect_success 'the snapshot: one file per enterprise, an organisation-code index, public modes' '
	(cd "$PUB" && find . -type f ! -name .lock | sort) >actual &&
	cat >expect <<-\EOT &&
	./e/91350200MA2Y0K3PXF.json
	./e/91350200MA2Y0Q1X9G.json
	./e/91350203MA2XN1BQ18.json
	./e/91350206MA8RTE0J8C.json
	./o/MA2XN1BQ1
	./o/MA2Y0K3PX
	./o/MA2Y0Q1X9
	./o/MA8RTE0J8
	./office.json
	EOT
	test_cmp expect actual &&
	echo $A >expect && test_cmp expect "$PUB/o/MA2Y0Q1X9" &&
	test "$(stat -c %a "$PUB/e/$A.json")" = 644 && test "$(stat -c %a "$PUB/e")" = 755 &&
	eport-fsck
'

test_expect_success 'a store without web.public publishes nothing' '
	EPORT_HOME=$TRASH/quiet sh -c "eport-init >/dev/null && eport-apply ex/cases.jsonl >/dev/null" &&
	test -d quiet/db && test -z "$(find quiet -name office.json -o -name .lock)"
'

web_start "$PUB"

if [ -n "$WEB_USER" ]; then
	test_expect_success "lighttpd serves as $WEB_USER, who can neither read the store nor its keys, nor write it" '
		test "$(ps -o user= -p $web_pid)" = "$WEB_USER" &&
		as() { setpriv --reuid=$WEB_USER --regid=$WEB_USER --clear-groups "$@"; } &&
		! as cat "$EPORT_HOME/keys/ca.key" 2>/dev/null &&
		! as ls "$EPORT_HOME" >/dev/null 2>&1 &&
		! as touch "$EPORT_HOME/db/x" 2>/dev/null &&
		! as mdb_stat "$EPORT_HOME/db" >/dev/null 2>&1 &&
		! as touch "$PUB/e/x" 2>/dev/null &&
		test_expect_code 2 as env EPORT_HOME="$EPORT_HOME" eport-web -P 2>/dev/null &&
		as cat "$PUB/e/$A.json" >/dev/null
	'
else
	test_skip "lighttpd as a user other than the store's: not root, or www-data cannot run $EPORT_BIN/eport-web"
fi

test_expect_success 'GET /: the form, with the office from the configuration' '
	get form / && test "$(cat form.code)" = 200 && headers_ok form &&
	grep -qx "Content-Type: text/html; charset=utf-8" form.head &&
	grep -q "<form method=\"get\" action=\"/\" role=\"search\">" form.body &&
	grep -q "<input id=\"q\" name=\"q\" type=\"text\"" form.body &&
	grep -q "<label for=\"q\">" form.body &&
	grep -q "<html lang=\"zh-CN\">" form.body &&
	grep -q "地址：厦门市湖里区象兴一路11号象屿保税区海关大楼7楼服务大厅" form.body &&
	grep -q "电话：0592-5653395" form.body && ! grep -qi "<script" form.body &&
	test "$(sed -n "s/^Content-Length: //p" form.head)" = "$(wc -c <form.body)"
'

test_expect_success 'HEAD: the headers of GET, and no body' '
	get head "/?q=$A" -I && test "$(cat head.code)" = 200 && headers_ok head &&
	cmp head.raw head.body &&
	get full "/?q=$A" &&
	test "$(sed -n "s/^Content-Length: //p" head.head)" = "$(wc -c <full.body)"
'

test_expect_success 'every state: the page shows what eport-status shows (t/data/web/states.tsv)' '
	sed -n "/case_states\[\] = {/,/};/p" "$EPORT_SRC/lib/case.c" | grep -o "\"[a-z]*\"" |
		tr -d "\"" | sort >states.all &&
	grep -v "^#" "$DATA/web/states.tsv" | cut -f2 | sort -u >states.have &&
	test_cmp states.all states.have &&
	: >cli && : >pages &&
	grep -v "^#" "$DATA/web/states.tsv" | while IFS="	" read -r id state status; do
		uscc=$(eport-show $id | jq -r .enterprise.uscc) &&
		test "$(eport-show $id | jq -r .state)" = "$state" &&
		eport-status $uscc >st.out &&
		printf "%s\t%s\n" $id "$(awk -F "\t" -v id=$id "\$1 == id { print \$4 }" st.out)" >>cli &&
		get p "/?q=$uscc" && test "$(cat p.code)" = 200 &&
		rows p.body >p.rows &&
		printf "%s\t%s\n" $id "$(awk -F "\t" -v id=$id "\$1 == id { print \$2 }" p.rows)" >>pages || return 1
	done &&
	grep -v "^#" "$DATA/web/states.tsv" | cut -f1,3 >expect &&
	test_cmp expect cli && test_cmp expect pages
'

test_expect_success 'the details: reasons, tracking numbers, what is missing, masked' '
	get a "/?q=$A" && rows a.body >actual &&
	cat >expect <<-\EOT &&
	XM20261126-0004	已受理	
	XM20261126-0005	已受理	
	XM20261126-0006	待补正	邮寄领卡须填写收件人联系电话
	XM20261126-0007	待补正	请补充收件人黄**的电话139****1234
	XM20261126-0008	不予受理	企业信息与营业执照不符
	XM20261126-0009	领卡	<a href="/notice/XM20261126-0009.pdf?q=91350200MA2Y0Q1X9G">打印领卡通知书</a>
	XM20261126-0010	待邮寄	
	XM20261126-0011	已邮寄	1180098765432
	XM20261126-0012	已办结 · 已签收	1180098765446
	XM20261126-0013	领卡	收件人拒收<br><a href="/notice/XM20261126-0013.pdf?q=91350200MA2Y0Q1X9G">打印领卡通知书</a>
	XM20261126-0014	已办结 · 已领取	
	XM20261126-0015	已办结 · 已领取	
	XM20261126-0016	已撤回	企业撤回申请
	EOT
	test_cmp expect actual &&
	grep -q "<h2>厦门海沧示例贸易有限公司（统一社会信用代码 $A）</h2>" a.body
'

test_expect_success 'by organisation code, with or without its hyphen, in lower case, spaces around' '
	get o1 "/?q=MA2Y0Q1X9" && get o2 "/?q=ma2y0q1x-9" && get o3 "/?q=+%20MA2Y0Q1X9+" &&
	for n in o1 o2 o3; do test "$(cat $n.code)" = 200 && rows $n.body >$n.rows &&
		rows a.body | test_cmp - $n.rows || return 1; done &&
	get u "/?q=91350203MA2XN1BQ18" && rows u.body >actual &&
	printf "XM20261126-0003\t待补正\t%s\n" \
		"缺少持卡人身份证件复印件（操作员 王**）；缺少经办人身份证件复印件；《制卡业务受理登记表》未加盖单位公章：scans/form1.pdf" >expect &&
	test_cmp expect actual
'

# has_text TEXT PDF: every line of TEXT is in the PDF's text, white space
# aside (as t/0422 reads the notice)
has_text() {
	pdftotext -layout "$2" pdf.txt && tr -d " \t\r\n\f" <pdf.txt >pdf.sq &&
	while IFS= read -r line; do
		l=$(printf %s "$line" | tr -d " \t\r")
		test -z "$l" && continue
		grep -qF -- "$l" pdf.sq || { echo "not in the PDF: $line"; return 1; }
	done <"$1"
}

if command -v pdftotext >/dev/null; then
test_expect_success 'the collection notice: a PDF, with the enterprise'\''s USCC, dated today, masked' '
	get n "/notice/XM20261126-0009.pdf?q=$A" && test "$(cat n.code)" = 200 && headers_ok n &&
	grep -qx "Content-Type: application/pdf" n.head &&
	test "$(head -c 5 n.body)" = "%PDF-" &&
	EPORT_NOW=2026-11-26 eport-status -p XM20261126-0009 >cli.txt &&
	sed "s/黄小燕/黄**/" cli.txt >expect &&
	has_text expect n.body &&
	! grep -q 黄小燕 pdf.txt &&
	grep -q "打印日期.*2026-11-26" pdf.txt && grep -q 须加盖单位公章 pdf.txt
'
else
	test_skip "the collection notice as PDF: pdftotext (poppler-utils) is not installed"
fi

test_expect_success 'the page discloses no identity number, phone number or whole name' '
	eport-ls | sed 1d | cut -f1 | eport-show >all.json &&
	jq -r ".. | objects | (.id_number?, .phone?, .fax?) // empty" all.json | grep . | sort -u >secret &&
	jq -r "(.holders[]?.name, .handler.name?, .mail.recipient?) // empty" all.json | grep . | sort -u >>secret &&
	test -s secret &&
	for u in 91350200MA2Y0K3PXF $A 91350203MA2XN1BQ18 91350206MA8RTE0J8C; do
		get s "/?q=$u" && cat s.body >>served || return 1
	done &&
	get s "/notice/XM20261126-0013.pdf?q=$A" && pdftotext s.body - >>served &&
	pdftotext n.body - >>served &&
	cat "$PUB"/e/*.json >>served &&
	! grep -F -f secret served &&
	grep -q "黄\*\*" served
'

test_expect_success 'refused with 400: bad characters, check characters, lengths, parameters' '
	get b1 "/?q=9135%3Cscript%3E" && refused b1 400 "查询条件含有无效字符：只能是字母和数字" &&
	get b2 "/?q=%zz" && refused b2 400 "查询条件含有无效字符：只能是字母和数字" &&
	get b3 "/?q=914403001922038217" && refused b3 400 "统一社会信用代码的校验码不正确，请核对" &&
	get b4 "/?q=91350200MA2Y0Q1X8G" && refused b4 400 "统一社会信用代码的校验码不正确，请核对" &&
	get b5 "/?q=MA2Y0Q1X8" && refused b5 400 "组织机构代码的校验码不正确，请核对" &&
	get b6 "/?q=91350200MA2Y0Q1XIG" && refused b6 400 "统一社会信用代码含有无效字符（不使用I、O、S、V、Z）" &&
	get b7 "/?q=91350200MA2Y0Q1X9GG" && refused b7 400 "查询条件过长：统一社会信用代码为18位，组织机构代码为9位" &&
	get b8 "/?q=9135020" && refused b8 400 "统一社会信用代码为18位，组织机构代码为9位" &&
	get b9 "/?q=$(printf "%0300d" 0)" && refused b9 400 "查询条件过长" &&
	get b10 "/?q=$A&x=1" && refused b10 400 "不支持的查询参数" &&
	get b11 "/?x=1" && refused b11 400 "不支持的查询参数" &&
	get b12 "/?q=$A&q=$A" && refused b12 400 "查询参数重复" &&
	get b13 "/?q=" && refused b13 400 "请输入统一社会信用代码或组织机构代码" &&
	get b14 "/?$A" && refused b14 400 "不支持的查询参数" &&
	get b15 "/eport.css?q=$A" && refused b15 400 "不支持的查询参数"
'

test_expect_success 'refused with 400: paths that try to escape (lighttpd, then eport-web)' '
	for p in "/../etc/passwd" "/notice/../../keys/ca.key" "/%2e%2e/%2e%2e/etc/passwd" \
	    "/notice/..%2f..%2fkeys%2fca.key" "//etc/passwd" "/a%00b"; do
		get e "$p" && test "$(cat e.code)" = 400 || { echo "$p: $(cat e.code)"; return 1; }
	done &&
	get e1 "/a%5cb" && refused e1 400 "请求的路径无效" &&
	get e2 "/.env" && refused e2 400 "请求的路径无效" &&
	get e3 "/notice/XM20261126-0009.pdf%3b.css?q=$A" && refused e3 400 "请求的路径含有无效字符" &&
	cgi() { env -i GATEWAY_INTERFACE=CGI/1.1 EPORT_PUBLIC="$PUB" REQUEST_METHOD=GET \
		PATH_INFO="$1" REQUEST_URI="$2" QUERY_STRING= "$EPORT_BIN/eport-web" | tr -d "\r"; } &&
	for p in "/../e/$A.json" "/notice/../../office.json" "/./x" "//x"; do
		cgi "$p" "$p" >c.out && grep -q "^Status: 400 Bad Request$" c.out &&
		grep -q "^Content-Security-Policy: " c.out || { echo "$p"; return 1; }
	done &&
	cgi "/x" "/%2e%2e/x" >c.out && grep -q "^Status: 400 Bad Request$" c.out &&
	cgi "/x" "/%2Fx" >c.out && grep -q "^Status: 400 Bad Request$" c.out
'

test_expect_success 'methods other than GET and HEAD: 405 with Allow (RFC 9110 9.1)' '
	for m in POST PUT DELETE OPTIONS; do
		get m "/?q=$A" -X $m -d q=1 && refused m 405 "只支持GET和HEAD请求" &&
		grep -qx "Allow: GET, HEAD" m.head || { echo $m; return 1; }
	done
'

test_expect_success 'not found: 404 for an unknown enterprise, path, or a notice not due' '
	get f1 "/?q=914403001922038216" && refused f1 404 "未查询到该企业的业务。如已邮寄申请材料，请在寄出两个工作日后再查询。" &&
	get f2 "/admin" && refused f2 404 "没有这个页面" &&
	get f3 "/notice/XM20261126-0010.pdf?q=$A" && refused f3 404 "该业务尚未到“领卡”状态，暂无领卡通知书" &&
	get f4 "/notice/XM20261126-0003.pdf?q=$A" && refused f4 404 "未查询到该企业的这件业务" &&
	get f5 "/notice/XM20261126-0009.pdf?q=91350203MA2XN1BQ18" && refused f5 404 "未查询到该企业的这件业务" &&
	get f6 "/notice/XM20261126-0009.pdf?q=MA2Y0Q1X9" && refused f6 400 "打印领卡通知书须输入本企业的统一社会信用代码" &&
	get f7 "/notice/XM20261126-0009.pdf" && refused f7 400 "打印领卡通知书须输入本企业的统一社会信用代码"
'

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --no-pdf-header-footer --user-data-dir="$TRASH/chrome" "$@" 2>>chrome.log
}
if [ -z "$CHROMIUM" ]; then
	test_skip "the page in a browser: chromium is not installed"
elif ! command -v pdftotext >/dev/null; then
	test_skip "the page in a browser: pdftotext (poppler-utils) is not installed"
else
	test_expect_success 'chromium: the form, submitted as its GET, the statuses rendered' '
		chrome --dump-dom "$WEB_URL/" >form.dom &&
		grep -q "<form method=\"get\" action=\"/\" role=\"search\">" form.dom &&
		name=$(sed -n "s/.*<input id=\"q\" name=\"\([a-z]*\)\".*/\1/p" form.dom) &&
		test "$name" = q &&
		chrome --dump-dom "$WEB_URL/?$name=$A" >result.dom &&
		grep -q "厦门海沧示例贸易有限公司（统一社会信用代码 $A）" result.dom &&
		for s in 已受理 待补正 不予受理 领卡 待邮寄 已邮寄 "已办结 · 已签收" 已撤回; do
			grep -qF "<td class=\"status\">$s</td>" result.dom || return 1
		done
	'
	test_expect_success 'chromium: a screenshot of the page' '
		chrome --screenshot="$TRASH/page.png" --window-size=1024,1200 "$WEB_URL/?q=$A" &&
		test "$(head -c 8 page.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a &&
		test "$(wc -c <page.png)" -gt 20000
	'
	test_expect_success 'chromium: the page printed to PDF; the notice, a PDF of its own' '
		chrome --print-to-pdf="$TRASH/page.pdf" "$WEB_URL/?q=$A" &&
		pdftotext page.pdf page.txt && grep -q 1180098765432 page.txt &&
		grep -q 不予受理 page.txt && ! grep -q "统一社会信用代码（18位）" page.txt &&
		get notice "/notice/XM20261126-0013.pdf?q=$A" &&
		pdftotext notice.body notice.txt &&
		grep -q "^退件通知书" notice.txt && grep -q "须加盖单位公章" notice.txt &&
		grep -q "邮件（EMS 1180098765450）已退回：收件人拒收" notice.txt
	'
fi

test_expect_success 'eport-fsck: a stale or lost file is seen, and -r publishes it again' '
	cp "$PUB/e/$A.json" keep.json &&
	sed "s/已邮寄/已办结/" keep.json >"$PUB/e/$A.json" &&
	rm "$PUB/o/MA2XN1BQ1" && echo x >"$PUB/e/91350200MA2YXXXXXX.json" &&
	test_expect_code 1 eport-fsck 2>err &&
	cat >expect <<-EOT &&
	eport-fsck: web.public: e/$A.json differs from the store (eport-fsck -r publishes it)
	eport-fsck: web.public: o/MA2XN1BQ1 is missing (eport-fsck -r publishes it)
	eport-fsck: web.public: e/91350200MA2YXXXXXX.json names no enterprise of the store
	eport-fsck: 3 problems
	EOT
	test_cmp expect err &&
	eport-fsck -r 2>err &&
	grep -q "e/$A.json published again" err &&
	test_cmp keep.json "$PUB/e/$A.json" && test -f "$PUB/o/MA2XN1BQ1" &&
	test ! -e "$PUB/e/91350200MA2YXXXXXX.json" && eport-fsck
'

test_expect_success 'a crash between the commit and the publishing: fsck sees it' '
	git config -f "$EPORT_HOME/config" --unset web.public &&
	printf "id\ttracking\nXM20261126-0010\t1180098765463\n" | eport-ship mark >/dev/null &&
	git config -f "$EPORT_HOME/config" web.public "$PUB" &&
	test_expect_code 1 eport-fsck 2>err &&
	grep -q "e/$A.json differs from the store" err &&
	eport-fsck -r 2>/dev/null && eport-fsck
'

test_expect_success 'eport-web(1) EXAMPLES: eport-fsck -r publishes a store that had cases already' '
	sed -n "/^\.Sh EXAMPLES/,/^\.Sh/p" "$EPORT_SRC/man/man1/eport-web.1" |
		sed -n "s/^\\\$ //p" | sed -n 1,3p | sed "s|/var/lib/eport/public|$TRASH/pub2|" >ex.sh &&
	test "$(wc -l <ex.sh)" = 3 &&
	sh ex.sh >ex.out 2>&1 && test_cmp /dev/null ex.out &&
	diff -r -x .lock "$PUB" pub2 &&
	rm pub2/e/$A.json &&
	test_expect_code 1 eport-fsck 2>err &&
	printf "%s\n" "eport-fsck: web.public: e/$A.json is missing (eport-fsck -r publishes it)" \
		"eport-fsck: 1 problem" >expect &&
	test_cmp expect err &&
	git config -f "$EPORT_HOME/config" web.public "$PUB"
'

test_expect_success 'eport-web run by hand: its usage, and nothing else' '
	test_expect_code 2 eport-web 2>err && test_expect_code 2 eport-web -P 2>>err &&
	echo "usage: eport-web (a CGI program, run by the web server: see eport-web(1))" >expect &&
	cat expect expect | test_cmp - err &&
	eport-web -h >out && test_cmp expect out &&
	! nm -D "$EPORT_BIN/eport-web" 2>/dev/null | grep -q " mdb_\| git_"
'

test_expect_success 'pages served while other commands write the store: none fails, none torn' '
	git config -f "$EPORT_HOME/config" store.batch-records 10 &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	reader_cases 200 WEB 11 >bulk.jsonl &&
	B=$(sed -n 1p bulk.jsonl | jq -r .enterprise.uscc) &&
	sed -n 1,10p bulk.jsonl >first.jsonl && sed -n "11,\$p" bulk.jsonl >rest.jsonl &&
	eport-apply first.jsonl >/dev/null &&
	writer() { eport-apply rest.jsonl >/dev/null && eport-ls -s received -u $B | sed 1d | cut -f1 |
		EPORT_USER=bob eport-check >/dev/null; test $? -le 1; } &&
	reader() { i=0; while [ $i -lt 120 ]; do
		get "r$i" "/?q=$B" || return 1; i=$((i + 1)); done; } &&
	{ timed w writer & } && wpid=$! && { timed r reader & } && rpid=$! &&
	wait $wpid && wait $rpid &&
	test_cmp /dev/null w.err && test_cmp /dev/null r.err && overlapping w r &&
	i=0 && : >counts && while [ $i -lt 120 ]; do
		test "$(cat r$i.code)" = 200 && tail -n 1 r$i.body | grep -qx "</html>" &&
		test "$(sed -n "s/^Content-Length: //p" r$i.head)" = "$(wc -c <r$i.body)" &&
		rows r$i.body >r$i.rows && n=$(wc -l <r$i.rows) &&
		test "$(cut -f1 r$i.rows | sort -u | wc -l)" = $n &&
		cut -f1 r$i.rows | sort -c && echo $n >>counts || { echo "response $i"; return 1; }
		i=$((i + 1))
	done &&
	test "$(sed -n 1p counts)" -ge 10 && sort -c -n counts &&
	total=$(eport-ls -u $B | sed 1d | wc -l) && test $total -gt 200 &&
	get last "/?q=$B" && grep -q "<p>共${total}件业务，仅显示最近100件；其余请致电查询。</p>" last.body &&
	eport-fsck
'

web_stop
done_testing
