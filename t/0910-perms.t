#!/bin/sh
# The store is private whatever the umask: $EPORT_HOME and every directory in
# it 0700, nothing in it open to group or others (LMDB's lock file, git's
# objects, refs and packs included), the keys 0600.
. "$(dirname "$0")/lib.sh"

# private DIR: prints what in DIR breaks the rule, nothing when all is well
private() {
	find "$1" -type d ! -perm 700 -printf "%m %p: a directory not 0700\n"
	find "$1" ! -type d -perm /077 -printf "%m %p: open to group or others\n"
	find "$1" ! -type d ! -type f -printf "%y %p: neither file nor directory\n"
	find "$1" -type f ! -perm -400 -printf "%m %p: the owner cannot read it\n"
}

# busy: the writes of a working day, for every kind of file the store holds
busy() {
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >/dev/null &&
	mkdir bz && cp -R ex/scans bz/ &&
	sed -n 1p ex/cases.jsonl | sed s/1180012345678/1180012345999/g >bz/case.json &&
	(cd bz && bsdtar -a -cf ../b.zip case.json scans) &&
	eport-apply b.zip >/dev/null &&
	eport-fsck -r &&
	test "$(eport-ls | wc -l)" = 5
}

for u in 000 002 022 077; do
	test_expect_success "umask $u: the store is 0700, its files private" "
		rm -rf \"\$EPORT_HOME\" ex bz b.zip &&
		(umask $u && busy) &&
		private \"\$EPORT_HOME\" >actual &&
		test_cmp /dev/null actual &&
		test \$(stat -c %a \"\$EPORT_HOME\") = 700 &&
		test -n \"\$(find \"\$EPORT_HOME/db\" -name lock.mdb -perm 600)\" &&
		test -n \"\$(find \"\$EPORT_HOME/docs.git/objects\" -type f | head -1)\"
	"
	test_expect_success "umask $u: the keys are 0600 in a 0700 directory" "
		(cd \"\$EPORT_HOME/keys\" && stat -c '%a %n' . * | sort -k2) >actual &&
		printf '700 .\n600 ca.crt\n600 ca.key\n600 master\n' >expect &&
		test_cmp expect actual
	"
done

test_expect_success 'a store directory made beforehand with 0755 becomes 0700' '
	rm -rf "$EPORT_HOME" &&
	mkdir -m 755 "$EPORT_HOME" &&
	(umask 000 && eport-init) &&
	private "$EPORT_HOME" >actual &&
	test_cmp /dev/null actual
'

test_expect_success 'a store in new parent directories: the store is still 0700' '
	(umask 000 && EPORT_HOME=$TRASH/a/b/store eport-init) &&
	private a/b/store >actual &&
	test_cmp /dev/null actual
'

done_testing
