#!/bin/sh
# Secrets stay in the process: eport-card and eport-init hold the master key,
# the CA's private key and the cards' PUKs and management keys, so they make
# themselves undumpable (PR_SET_DUMPABLE 0, RLIMIT_CORE 0) before they read
# or make a key: an abort in the middle of a card's write, or of the keys'
# making, leaves no core file whatever ulimit -c says, where any program that
# does not guard itself leaves one here.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

command -v strace >/dev/null || skip_all "strace is not installed"

# cores DIR: the core files in DIR
cores() {
	find "$1" -maxdepth 1 -type f -name "core*"
}

# a program that does not guard itself: does this machine write its core
# where it died?  (kernel.core_pattern may send cores elsewhere)
mkdir ctl
sh -c 'cd ctl && ulimit -c unlimited && sh -c "kill -ABRT \$\$"' 2>/dev/null
[ -n "$(cores ctl)" ] ||
	skip_all "this machine writes no core file where a process dies (kernel.core_pattern: $(cat /proc/sys/kernel/core_pattern))"

pcsc_start
C=XM20261126
L=350203198005120316	# 林志强, the legal representative

test_expect_success 'setup: an accepted onboard case, a blank card in the reader; a core here' '
	test -n "$(cores ctl)" &&
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	(cd ex && sed 1q cases.jsonl | eport-apply >/dev/null) &&
	eport-check -q $C-0001 >/dev/null &&
	EPORT_USER=bob eport-review accept -m ok $C-0001 >/dev/null &&
	vcard_start legal.json
'

# The pcsc-lite client sends three messages an APDU after 11 to find the
# reader and connect: the 48th starts SET MANAGEMENT KEY, the last step of a
# new card, when the CA's key has signed the certificate and the card's keys
# are made.  LeakSanitizer cannot run under ptrace.
test_expect_success 'eport-card write killed by SIGABRT in the middle of the write: no core' '
	mkdir cw &&
	{ (cd cw && ulimit -c unlimited &&
	 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 exec strace -o ../abort.log -e trace=sendto \
		-e inject=sendto:signal=SIGABRT:when=48 eport-card write $C-0001 $L \
		>../out 2>../err); rc=$?; } &&
	test "$rc" = 134 &&
	grep -q "^+++ killed by SIGABRT" abort.log &&
	! grep -q "core dumped" abort.log &&
	test_cmp /dev/null out &&
	cores cw >found &&
	test_cmp /dev/null found
'

test_expect_success 'eport-init killed by SIGABRT as it makes keys/master: no core' '
	mkdir ci &&
	{ (cd ci && ulimit -c unlimited && EPORT_HOME="$TRASH/s2" ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	 exec strace -o ../init.log -P "$TRASH/.s2.eport-init/keys/master" -e trace=openat \
		-e inject=openat:signal=SIGABRT eport-init >../out 2>../err); rc=$?; } &&
	test "$rc" = 134 &&
	grep -q "keys/master" init.log &&
	grep -q "^+++ killed by SIGABRT" init.log &&
	! grep -q "core dumped" init.log &&
	test -s .s2.eport-init/keys/ca.key && test ! -e s2 &&
	cores ci >found &&
	test_cmp /dev/null found
'

done_testing
