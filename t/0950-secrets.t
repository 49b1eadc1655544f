#!/bin/sh
# After a full run of the office's job (make demo's: intake, check, review,
# cards written on the emulated card, manifest, marks, close, export), the
# secrets are where they belong and nowhere else: the master key and the
# CA's private key in keys/, each card's PUK and management key on its card.
# Not in any argv or environment of any program the job ran, not in what
# it printed, not in LMDB, not in any git object, not in the archive.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || { skip_all "strace is not installed"; }

# LeakSanitizer cannot run under ptrace: the traced job goes without it
test_expect_success 'the whole job, every exec traced with its argv and environment' '
	TMPDIR=$TRASH ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -v -s 100000 -e trace=execve -e signal=none -o trace \
		env EPORT_SRC="$EPORT_SRC" "$EPORT_SRC/tools/demo" >demo.out 2>demo.err &&
	grep -q "^verified$" demo.out &&
	dir=$(ls -d "$TRASH"/eport-demo.*) &&
	test -d "$dir/store/keys" &&
	echo "$dir" >demo.dir &&
	test $(grep -c "execve(" trace) -gt 100
'

dir=$(cat demo.dir 2>/dev/null)
home=$dir/store

# what the office's staff see of the rules across cases (issue 14), as the
# demo's steps show them
test_expect_success 'the demo shows the rules across cases, each finding in Chinese' '
	grep -q "^XM20261126-0005	block	holder-open	holders.1.id_number	操作员 张丽华已在本企业先收到的在办业务XM20261126-0002（" demo.out &&
	grep -q "^XM20261126-0005	block	order-unknown	order	订单NF20261125143000456尚未导入：" demo.out &&
	grep -q "^XM20261126-0007	block	case-open	cases\[XM20261126-0006\]	本企业另有在办的企业基本信息变更业务XM20261126-0006（已受理）：同一企业同时只能办理一件企业基本信息变更" demo.out &&
	grep -q "^XM20261126-0006	warn	case-open	enterprise.uscc	" demo.out &&
	! grep -q "^XM20261126-0006	block	" demo.out &&
	grep -q "^1180067890123	block	uscc-invalid	enterprise.uscc	统一社会信用代码91330100799655058C校验不通过：按前17位应以“B”结尾" demo.out &&
	! grep -q "uscc-legacy" demo.out &&
	grep -q "^SF1234567890123	block	inbound-carrier	inbound.carrier	本件由“顺丰速运”寄达：.*（本中心接收：EMS、中国邮政EMS、邮政EMS、" demo.out &&
	! grep -q "^1180067890134	" demo.out &&
	grep -qx "1180067890134: no finding" demo.out
'

# the demo prints the page's address after the day's work and, not on a
# terminal, stops lighttpd itself: nothing of it is left to answer
test_expect_success 'the demo printed the public page'\''s address and stopped its lighttpd' '
	url=$(sed -n "s|^The public status page: \(http://127\.0\.0\.1:[0-9][0-9]*\)/?q=91350200MA2Y0K3PXF$|\1|p" demo.out) &&
	test -n "$url" &&
	grep -qx "$url/" demo.out &&
	grep -qx "Stopped; EPORT_DEMO_WEB=keep make demo leaves it running." demo.out &&
	grep "execve(\"[^\"]*/lighttpd\", \[\"lighttpd\", \"-D\", \"-f\", \"$dir/web/lighttpd.conf\"" trace |
		cut -d" " -f1 | sort -u >lighttpd.pid &&
	test $(wc -l <lighttpd.pid) = 1 &&
	pid=$(cat lighttpd.pid) &&
	! kill -0 "$pid" 2>/dev/null &&
	for p in /proc/[0-9]*; do
		case $(tr "\0" " " 2>/dev/null <"$p/cmdline") in
		*lighttpd*"$dir/web/"*) echo "${p#/proc/}" ;;
		esac
	done >running &&
	test_cmp /dev/null running &&
	test_expect_code 7 curl -s -o /dev/null "$url/"
'

# (card_hmac, run only after the traced job: its own argv holds the key)
test_expect_success 'the secrets: the master key, the CA key, and each card'\''s PUK and management key' '
	EPORT_HOME=$home eport-card ls | sed 1d | cut -f1 >cards &&
	test $(wc -l <cards) = 3 &&
	tr -d "\n" <"$home/keys/master" >secrets &&
	echo >>secrets &&
	test $(wc -c <secrets) -ge 33 &&
	openssl pkey -in "$home/keys/ca.key" -text -noout | sed -n "/^priv:/,/^pub:/p" |
		sed "1d;\$d" | tr -d " :\n" >>secrets &&
	echo >>secrets &&
	while read -r n; do
		h=$(card_hmac "$home/keys/master" "$n") &&
		echo "$h" | cut -c1-48 >>secrets &&
		card_puk "$h" >>secrets &&
		echo >>secrets || return 1
	done <cards &&
	test $(wc -l <secrets) = 8 &&
	test $(sed -n 2p secrets | wc -c) = 65 &&
	! grep -qx "" secrets
'

# what the card emulator keeps (the cards themselves) and keys/ are the
# places the secrets belong; everything else is searched, as text and as
# hex either case
test_expect_success 'none in the argv or environment of any program the job ran' '
	test $(wc -l <secrets) = 8 &&
	grep "execve(" trace >execs &&
	{ grep -Fio -f secrets execs >found || :; } &&
	test_cmp /dev/null found
'

test_expect_success 'none in what the job printed' '
	test $(wc -l <secrets) = 8 && test -s demo.out &&
	{ grep -Fio -f secrets demo.out demo.err >found || :; } &&
	test_cmp /dev/null found
'

test_expect_success 'none in LMDB, in any git object, in the config or in the archive' '
	test $(wc -l <secrets) = 8 &&
	mdb_dump -a -p "$home/db" >store.dump &&
	git --git-dir="$home/docs.git" cat-file --batch-all-objects --batch >>store.dump &&
	cat "$home/config" >>store.dump &&
	mkdir x && tar -xzf "$dir/audit.tar.gz" -C x &&
	find x -type f -exec cat {} + >>store.dump &&
	test $(wc -c <store.dump) -gt 100000 &&
	{ grep -aFwio -f secrets store.dump >found || :; } &&
	test_cmp /dev/null found
'

test_expect_success 'and the search finds them where they are: on the cards, in keys/' '
	cat "$dir"/card-*.state >cards.state &&
	n=$(sed -n 3,5p secrets | tr a-f A-F | grep -cF -f - cards.state) &&
	test "$n" -ge 1 &&
	grep -qF "$(sed -n 1p secrets)" "$home/keys/master"
'

done_testing
