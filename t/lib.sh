# t/lib.sh: the test library, sourced by every t/NNNN-name.t (TAP, run by prove).
# Each script gets its own scratch directory, its own store and a fixed clock.
#
#   test_expect_success 'what it proves' 'cmd && cmd && test_cmp expect actual'
#   test_expect_code 1 cmd args...      the exact exit status
#   test_skip 'why'                     a test that cannot run here says so
#   done_testing
set -u
: "${EPORT_BIN:?run the tests with make test}"
: "${EPORT_SRC:?run the tests with make test}"
PATH=$EPORT_BIN:$PATH
DATA=$EPORT_SRC/t/data
# the build directory (make install's O=): the commands' own, even when
# EPORT_BIN holds tools/valgrind's wrappers of them
BUILD=${EPORT_BUILD:-${EPORT_BIN%/bin}}
export PATH EPORT_SHARE
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/eport-t.XXXXXX")
cd "$TRASH" || exit 2
export EPORT_HOME="$TRASH/store" EPORT_USER=alice EPORT_NOW=2026-11-26T10:00:00+08:00
# The tests play several staff members (EPORT_USER) on one login, which only
# a shared login may: root is one in the scratch system configuration that
# EPORT_SYSCONFDIR names (honoured for root only; /etc/eport is not touched).
mkdir "$TRASH/etc" && printf '[office]\n\tshared-login = root\n' >"$TRASH/etc/config" || exit 2
export EPORT_SYSCONFDIR="$TRASH/etc"
unset XDG_DATA_HOME EPORT_MASTER 2>/dev/null || true
# the messages the tests compare are the English ones, whatever the locale
# of the login that runs them (t/0016 runs them in Chinese too)
LC_ALL=C.UTF-8
export LC_ALL
unset LANGUAGE LC_MESSAGES 2>/dev/null || true
# a leak of cairo's own that the sanitizer build would report (tools/lsan.supp)
LSAN_OPTIONS="suppressions=$EPORT_SRC/tools/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
umask 022
test_count=0
test_failed=0

# snapshot NAME: the store as it is (LMDB's every record, the refs, the git
# object count) in NAME.db, NAME.refs, NAME.objects; unchanged NAME: the
# store is still as it was then.  For "a refusal changes nothing".
snapshot() {
	mdb_dump -a "$EPORT_HOME/db" >"$1.db" &&
	git --git-dir="$EPORT_HOME/docs.git" for-each-ref >"$1.refs" &&
	git --git-dir="$EPORT_HOME/docs.git" count-objects -v | grep -E "^(count|in-pack)" >"$1.objects"
}

unchanged() {
	snapshot after && test_cmp "$1.db" after.db && test_cmp "$1.refs" after.refs &&
	test_cmp "$1.objects" after.objects
}

# reader_cases N REF HOUR: N reader cases by post, from the first of
# t/data/ship/cases.jsonl, with refs REF0000, REF0001, ... and an order
# each (NF20261125 HOUR mm ss nnn): the bulk of the crash and concurrency
# tests
reader_cases() {
	sed -n 1p "$DATA/ship/cases.jsonl" | perl -e '
		my ($n, $ref, $hour) = @ARGV;
		my $t = <STDIN>; chomp $t;
		for my $i (0 .. $n - 1) {
			my $r = $t;
			my $o = sprintf q(NF20261125%02d%02d%02d%03d), $hour, int($i / 60), $i % 60, $i % 1000;
			$r =~ s/"ref":"[^"]*"/sprintf q("ref":"%s%04d"), $ref, $i/e or die;
			$r =~ s/"order":"[^"]*"/"order":"$o"/ or die;
			print "$r\n";
		}' "$1" "$2" "$3"
}

# reader_orders FILE: the sales platform's export (TSV) of the orders the
# records of FILE name: paid, for this office, 关区取货, one reader each
reader_orders() {
	printf '订单号\t订单时间\t订单状态\t关区\t取货方式\t商品\t数量\t金额\n' &&
	sed -n 's/.*"order":"\([^"]*\)".*/\1/p' "$1" |
		awk '{ printf "%s\t2026-11-25 10:00:00\t完成\t厦门分中心\t关区取货\t读卡器\t1\t150.00\n", $1 }'
}

# reader_store N REF HOUR: a new store that writes batches of ten, the
# examples' scans, and N reader cases (reader_cases) in all.jsonl, their
# orders imported: the first half in old.jsonl, the rest in new.jsonl
reader_store() {
	eport-init &&
	git config -f "$EPORT_HOME/config" store.batch-records 10 &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	reader_cases "$1" "$2" "$3" >all.jsonl &&
	reader_orders all.jsonl >all-orders.tsv &&
	eport-order import all-orders.tsv >/dev/null &&
	sed -n "1,$(($1 / 2))p" all.jsonl >old.jsonl &&
	sed -n "$(($1 / 2 + 1)),\$p" all.jsonl >new.jsonl
}

# timed NAME CMD...: CMD, its output in NAME.out and NAME.err, its start and
# end times (ns) in NAME.t; overlapping NAME...: the last of them to start
# started before the first to end ended (the writers really ran together)
timed() {
	name=$1
	shift
	date +%s%N >"$name.t"
	"$@" >"$name.out" 2>"$name.err"
	rc=$?
	date +%s%N >>"$name.t"
	return $rc
}

overlapping() {
	for n; do echo "$n.t"; done >.t-files
	test "$(xargs head -q -n 1 <.t-files | sort -n | tail -n 1)" -lt \
		"$(xargs tail -q -n 1 <.t-files | sort -n | head -n 1)"
}

# debris: what killed writers may leave in docs.git (ref locks and
# config.lock, a pack being made, a pack without its index, the keep of a
# pack whose refs had not moved); age_debris makes it a minute old, so
# that eport-fsck -r takes it for a dead writer's and removes it
debris() {
	find "$EPORT_HOME/docs.git" -type f \( -name "*.lock" -o -name "pack_git2_*" \
		-o -name "*.keep" -o -path "*/objects/eport-incoming/*" \)
	for p in "$EPORT_HOME"/docs.git/objects/pack/pack-*.pack; do
		if test -e "$p" && test ! -e "${p%.pack}.idx"; then echo "$p"; fi
	done
}
age_debris() {
	debris | xargs -r touch -d "1 minute ago"
}

# refs_match: every case's ref is its commit, no other ref is there, and
# eport-fsck says nothing
refs_match() {
	eport-fsck >fsck.out 2>fsck.err && test_cmp /dev/null fsck.err &&
	eport-ls | sed 1d | cut -f1 >refs.ids &&
	eport-show <refs.ids >refs.cases &&
	jq -r '"refs/cases/\(.id) \(.commit)"' refs.cases | sort >refs.want &&
	git --git-dir="$EPORT_HOME/docs.git" for-each-ref --format="%(refname) %(objectname)" \
		refs/cases | sort >refs.have &&
	test_cmp refs.want refs.have
}

# card_hmac MASTER NUMBER: HMAC-SHA256 of a card number under the master key
# in the file MASTER (keys/master), in hex: a card's management key is its
# first 24 bytes; card_puk HEX: the PUK, a digit from each of its last 8
card_hmac() {
	printf %s "$2" | openssl dgst -sha256 -mac HMAC \
		-macopt hexkey:"$(cat "$1")" | sed "s/.*= //"
}

card_puk() {
	for i in 24 25 26 27 28 29 30 31; do
		printf %d $((0x$(echo "$1" | cut -c$((2 * i + 1))-$((2 * i + 2))) % 10))
	done
}

# transcripts PAGE DIR: the transcripts of a man page's EXAMPLES (the
# literal displays that start with "$ "), one a display: DIR/N.sh, the
# commands, and DIR/N.out, what they print
transcripts() {
	sed -e 's/\\e/\\/g' -e 's/\\&//g' "$1" | awk -v d="$2" '
		/^\.Bd -literal/ { blk = 1; first = 1; next }
		/^\.Ed/ { blk = 0; next }
		!blk { next }
		first { first = 0; if ($0 !~ /^\$ /) { blk = 0; next }; n++; cont = 0 }
		cont || /^\$ / {
			s = $0
			if (!cont)
				sub(/^\$ /, "", s)
			print s >(d "/" n ".sh")
			cont = /\\$/
			next
		}
		{ print >(d "/" n ".out") }'
}

# transcript_tests PAGE DIR: a test for each transcript in DIR, in order,
# each run by sh in ex/, its output and errors together compared with what
# the page shows.  A script that defines transcript_before has it called
# with PAGE and N before the test of DIR/N.sh (to put a card in, say).
transcript_tests() {
	page=$1
	for s in $(ls "$2"/*.sh 2>/dev/null | sort -t/ -k2n); do
		if grep -q jq "$s" && ! command -v jq >/dev/null; then
			test_skip "$page: jq is not installed"
			continue
		fi
		if command -v transcript_before >/dev/null; then
			n=${s##*/}
			transcript_before "$page" "${n%.sh}"
		fi
		test_expect_success "$page: \$ $(sed 1q "$s" | tr -d "\\\\")" '
			# a transcript shows a refusal as it is: the status is not its
			{ (cd ex && sh "../$s") >actual 2>&1 || :; } &&
			touch "${s%.sh}.out" &&
			test_cmp "${s%.sh}.out" actual
		'
	done
}

test_ok_() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1"
}

test_fail_() {
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/#	/'
}

# BODY in a function of its own, so that "return 1" in a loop of a test
# fails that test, and does not leave test_expect_success without a word
test_body_() {
	eval "$1"
}

# git's &&-chain lint: BODY after "(exit 117) &&" runs nothing and ends 117
# when every command of it is joined by &&; a command left out of the chain
# (a missing &&, a "|| :" outside braces, a here-doc that runs away) runs,
# and the status is another.  A body that fails it fails as written, before
# it runs.  EPORT_TEST_CHAIN_LINT=0 turns it off.
test_chain_ok_() {
	[ "${EPORT_TEST_CHAIN_LINT:-1}" = 0 ] && return 0
	# "(exit 117) && cmd &" would start the whole body in the background
	printf '%s\n' "$1" | grep -v '^[[:space:]]*\(#.*\)\{0,1\}$' | sed 1q | grep -q '[^&]&[[:space:]]*$' &&
		return 1
	test "OK-117" = "$(test_body_ "(exit 117) && $1

echo OK-\$?" 2>/dev/null | tail -n 1)"
}

# test_expect_success DESC BODY: BODY is eval'd in this shell, so later tests
# see what earlier ones made.
test_expect_success() {
	if ! test_chain_ok_ "$2"; then
		test_fail_ "$1" "broken &&-chain or run-away here-doc:" "$2"
	elif test_body_ "$2" >"$TRASH/.out" 2>&1; then
		test_ok_ "$1"
	else
		test_fail_ "$1" "$2" "$(sed -n 1,40p "$TRASH/.out")"
	fi
}

# test_expect_todo DESC BODY: what another change is to bring, as TAP's
# TODO: it fails the suite neither way, and prove reports it once it passes
# (then make it a test_expect_success).
test_expect_todo() {
	if ! test_chain_ok_ "$2"; then
		test_fail_ "$1" "broken &&-chain or run-away here-doc:" "$2"
		return
	fi
	test_count=$((test_count + 1))
	if test_body_ "$2" >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1 # TODO"
	else
		echo "not ok $test_count - $1 # TODO"
	fi
}

# test_expect_code CODE CMD...: CMD exits with exactly CODE.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "test_expect_code: '$*' exited $got, not $want" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1"
}

skip_all() {
	echo "1..0 # skip $1"
	rm -rf "$TRASH"
	exit 0
}

done_testing() {
	echo "1..$test_count"
	if [ "$test_failed" -eq 0 ]; then
		cd / && rm -rf "$TRASH"
		exit 0
	fi
	echo "# failed $test_failed of $test_count; scratch kept in $TRASH"
	exit 1
}

# a store made with the office defaults
make_store() {
	eport-init >/dev/null
}

# EPORT_SYSCONFDIR (above) is honoured for root only
[ "$(id -u)" = 0 ] ||
	skip_all "the tests play several staff members on one login, which only root may here: run them as root"
