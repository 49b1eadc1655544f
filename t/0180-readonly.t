#!/bin/sh
# A store that cannot be written (a chmod a-w copy, a read-only mount of an
# archived copy) can be read: eport-ls, -show, -log, -status and
# eport-check -n give what they give on the store itself (LMDB opened
# MDB_RDONLY, and MDB_NOLOCK when its lock file cannot be written), and a
# writer is refused with a message that says why and what works.
. "$(dirname "$0")/lib.sh"

# as root, without the capabilities that pass over file modes
nocaps() {
	setpriv --inh-caps=-dac_override,-dac_read_search,-fowner \
		--bounding-set=-dac_override,-dac_read_search,-fowner "$@"
}

if [ "$(id -u)" != 0 ]; then
	nocaps() { "$@"; }
fi
nocaps true 2>/dev/null || skip_all "setpriv cannot drop capabilities here"

# reads DIR NAME: what the readers say of the store in DIR, in NAME.*
reads() {
	h=$1 n=$2
	shift 2
	"$@" env EPORT_HOME="$h" eport-ls >"$n.ls" &&
	"$@" env EPORT_HOME="$h" eport-ls -j -s incomplete >"$n.lsj" &&
	"$@" env EPORT_HOME="$h" eport-show XM20261126-0001 XM20261126-0003 >"$n.show" &&
	"$@" env EPORT_HOME="$h" eport-log -j XM20261126-0003 >"$n.log" &&
	"$@" env EPORT_HOME="$h" eport-status 91350206MA8RTE0J8C >"$n.status" &&
	{ "$@" env EPORT_HOME="$h" eport-check -n XM20261126-0001 XM20261126-0002 XM20261126-0003 \
		>"$n.check" 2>"$n.check.err"; echo $? >"$n.check.rc"; }
}

same() {
	for f in ls lsj show log status check check.err check.rc; do
		test_cmp "$1.$f" "$2.$f" || return 1
	done
}

test_expect_success 'setup: the examples taken in and checked; what readers say' '
	eport-init && cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl | eport-check -q >/dev/null;
	test $? -le 1 &&
	reads "$EPORT_HOME" rw &&
	test -s rw.ls && test -s rw.show && test -s rw.check &&
	test "$(cat rw.check.rc)" = 1
'

test_expect_success 'eport-check -n finds what eport-check finds, and stores nothing' '
	snapshot dry &&
	EPORT_USER=bob eport-check -n XM20261126-0003 >dry.out;
	test $? = 1 &&
	unchanged dry &&
	EPORT_USER=bob eport-check XM20261126-0003 >real.out;
	test $? = 1 &&
	test_cmp real.out dry.out &&
	reads "$EPORT_HOME" rw
'

test_expect_success 'a chmod a-w copy: the readers say the same' '
	cp -a "$EPORT_HOME" ro &&
	chmod -R a-w ro &&
	reads "$PWD/ro" ro nocaps &&
	same rw ro
'

test_expect_success 'a copy without a lock file, in a directory no one can write' '
	chmod -R u+w ro && rm -f ro/db/lock.mdb && chmod -R a-w ro &&
	reads "$PWD/ro" nolock nocaps &&
	same rw nolock &&
	test ! -e ro/db/lock.mdb
'

test_expect_success 'a writer is refused: why, and what works' '
	test_expect_code 2 nocaps env EPORT_HOME="$PWD/ro" eport-check XM20261126-0003 >out 2>err &&
	echo "eport-check: db: Permission denied: the store at '\''$PWD/ro'\'' cannot be written (a read-only copy or mount, or another user'\''s): the commands that only read, and eport-check -n, work on it" >expect &&
	test_cmp expect err && test ! -s out
'

# inro CMD...: CMD in a mount namespace of its own, where mnt is the store
# mounted read-only
if unshare -m true 2>/dev/null; then
	test_expect_success 'a read-only mount: the readers say the same' '
		mkdir mnt &&
		printf "%s\n" "#!/bin/sh" \
			"unshare -m sh -c '\''mount --bind \"\$0\" mnt && mount -o remount,bind,ro mnt && exec \"\$@\"'\'' \"$EPORT_HOME\" \"\$@\"" >inro &&
		chmod +x inro &&
		./inro sh -c "! touch mnt/x" 2>/dev/null &&
		reads "$PWD/mnt" mnt ./inro &&
		same rw mnt &&
		test_expect_code 2 ./inro env EPORT_HOME="$PWD/mnt" eport-check XM20261126-0003 2>err &&
		grep -q "^eport-check: db: Read-only file system: the store at .* cannot be written" err
	'
else
	test_skip 'no mount namespace here for a read-only mount'
fi

done_testing
