#!/bin/sh
# eport-init killed before each of its file-changing system calls (strace's
# fault injection), and failing at each with a full disk: it leaves either
# no store or a whole one, never a half store that takes in cases or that
# eport-init then refuses to finish, and the next eport-init completes.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || { skip_all "no strace"; }
# LeakSanitizer cannot work under ptrace
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
CALLS=mkdir,write,pwrite64,pwritev,writev,rename,renameat2,link,unlink,unlinkat,rmdir,fsync,fdatasync,ftruncate,fchmod,chmod,fchmodat

# whole DIR: a store, all of it
whole() {
	test -s "$1/keys/ca.key" && test -s "$1/keys/ca.crt" &&
	test "$(wc -c <"$1/keys/master")" = 65 &&
	openssl pkey -in "$1/keys/ca.key" -noout &&
	test "$(git config -f "$1/config" office.branch)" = XM &&
	test "$(git --git-dir="$1/docs.git" config pack.deltaCacheSize)" = 1 &&
	EPORT_HOME=$1 eport-ls >/dev/null
}

# leftovers: what killed eport-inits left beside the stores
leftovers() {
	ls -a | grep "\.eport-init" || :
}

test_expect_success 'setup: the system calls of a whole eport-init, one line each' '
	strace -f -o trace -e trace=$CALLS env EPORT_HOME=$PWD/probe eport-init &&
	whole probe &&
	sed -n "s/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p" trace | sort | uniq -c >calls &&
	test $(awk "{ n += \$1 } END { print n }" calls) -ge 40 &&
	rm -rf probe
'

# each call in turn: kill -9 at its Nth time; then no store, or a whole one
n=0
while read -r count call; do
	i=1
	while [ $i -le $count ]; do
		n=$((n + 1))
		echo "$call $i $n"
		i=$((i + 1))
	done
done <calls >points 2>/dev/null || :

test_expect_success 'killed at every step: no store or a whole one, and eport-init again completes it' '
	test -s points &&
	while read -r call i n; do
		home=$PWD/k$n
		strace -f -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$i \
			env EPORT_HOME=$home eport-init >/dev/null 2>&1
		if test -e "$home/db"; then
			whole "$home" || { echo "$call #$i: a store, not whole"; return 1; }
			test_expect_code 1 env EPORT_HOME=$home eport-init 2>err ||
				{ echo "$call #$i: a whole store not refused"; return 1; }
		else
			test_expect_code 2 env EPORT_HOME=$home eport-ls 2>/dev/null ||
				{ echo "$call #$i: a half store that opens"; return 1; }
			EPORT_HOME=$home eport-init ||
				{ echo "$call #$i: eport-init again failed"; return 1; }
		fi
		whole "$home" || { echo "$call #$i: not whole after eport-init again"; return 1; }
		leftovers >left && test_cmp /dev/null left ||
			{ echo "$call #$i: left beside it"; return 1; }
		rm -rf "$home"
	done <points
'

test_expect_success 'killed so in a directory holding the office config: its config is kept' '
	grep -E "^(rename|renameat2|unlink|unlinkat|rmdir) " points >some &&
	test -s some &&
	while read -r call i n; do
		home=$PWD/c$n
		mkdir "$home" && git config -f "$home/config" office.name 测试 || return 1
		strace -f -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$i \
			env EPORT_HOME=$home eport-init >/dev/null 2>&1
		test "$(git config -f "$home/config" office.name)" = 测试 ||
			{ echo "$call #$i: the config is lost"; return 1; }
		if test -e "$home/db"; then
			test_expect_code 1 env EPORT_HOME=$home eport-init 2>/dev/null
		else
			EPORT_HOME=$home eport-init
		fi &&
		whole "$home" && test "$(git config -f "$home/config" office.name)" = 测试 &&
		leftovers >left && test_cmp /dev/null left || { echo "$call #$i"; return 1; }
		rm -rf "$home"
	done <some
'

# ENOSPC (EIO for fsync) from each writing call in turn: a clear message,
# exit 2, no store and nothing beside it; pki_init_ca closed a key file
# again after a failed fclose (a double free)
test_expect_success 'a full disk at every step: exit 2, a message, and no store' '
	grep -E "^(write|pwrite64|fsync|fdatasync|mkdir|rename|renameat2|link) " points >writes &&
	while read -r call i n; do
		e=ENOSPC
		case $call in fsync|fdatasync) e=EIO ;; esac
		home=$PWD/f$n
		strace -f -o /dev/null -e trace=$call -e inject=$call:error=$e:when=$i \
			env EPORT_HOME=$home eport-init >/dev/null 2>err
		rc=$?
		leftovers >left && test_cmp /dev/null left || { echo "$call #$i"; return 1; }
		if test $rc = 0; then
			# libgit2 falls back to rename(2) when link(2) fails
			whole "$home" || { echo "$call #$i: exit 0, not whole"; return 1; }
			rm -rf "$home"
			continue
		fi
		test $rc = 2 || { echo "$call #$i: exit $rc"; cat err; return 1; }
		if test -e "$home/db"; then
			# in place, then its directory failed to sync
			grep -q "^eport-init: the store at '\''$home'\'' is made, but .*: Input/output error" err &&
			whole "$home" || { echo "$call #$i:"; cat err; return 1; }
			rm -rf "$home"
			continue
		fi
		grep -q "^eport-init: cannot make the store at '\''$home'\'': .*; no store was made$" err ||
			{ echo "$call #$i:"; cat err; return 1; }
		test ! -e "$home" || { echo "$call #$i: left $(ls "$home")"; return 1; }
	done <writes
'

# a real full disk: a small tmpfs in a mount namespace of its own, filled
# but for a few KiB; LMDB wrote its lock file through a map, and a full disk
# turned that into SIGBUS
if unshare -m true 2>/dev/null; then
	test_expect_success 'a real disk full but for 0 to 96 KiB: no store or a whole one' '
		mkdir small &&
		for kib in 0 4 8 16 24 32 36 40 48 64 96; do
			unshare -m sh -c "
				mount -t tmpfs -o size=512k tmpfs small &&
				{ head -c 1M /dev/zero >small/fill 2>/dev/null; :; } &&
				truncate -s \$(( \$(stat -c %s small/fill) - $kib * 1024 )) small/fill &&
				EPORT_HOME=\$PWD/small/store eport-init 2>err; echo \$? >rc
				if test -e small/store/db; then cp -R small/store got; fi
				ls -a small >left
			" || return 1
			rc=$(cat rc)
			if test $rc = 0; then
				whole got || { echo "$kib KiB free: not whole"; return 1; }
				rm -rf got
			else
				test $rc = 2 || { echo "$kib KiB free: exit $rc"; cat err; return 1; }
				grep -q "^eport-init: cannot make the store at .*; no store was made$" err ||
					{ echo "$kib KiB free:"; cat err; return 1; }
				printf ".\n..\nfill\n" >expect && test_cmp expect left || return 1
			fi
		done
	'
else
	test_skip 'no mount namespace here for a small tmpfs'
fi

done_testing
