#!/bin/sh
# Bundles: archives holding case.json or cases.jsonl and the files they name.
# Anything that could reach outside the bundle refuses it whole.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: one case as a pretty-printed case.json with its scans' '
	eport-init &&
	mkdir b && cp -R "$EPORT_SHARE/examples/scans" b/ &&
	sed -n 1p "$EPORT_SHARE/examples/cases.jsonl" | jq . >b/case.json &&
	mkdir m && cp -R "$EPORT_SHARE/examples/scans" m/ &&
	sed -n 2,3p "$EPORT_SHARE/examples/cases.jsonl" >m/cases.jsonl
'

for fmt in zip tar.gz 7z tar.xz; do
	test_expect_success "a $fmt bundle is taken in with its documents" "
		rm -rf \"\$EPORT_HOME\" && eport-init &&
		(cd b && bsdtar -a -cf ../one.$fmt case.json scans) &&
		eport-apply one.$fmt >actual &&
		printf 'id\ttype\tuscc\tstate\tref\nXM20261126-0001\tonboard\t91350200MA2Y0K3PXF\treceived\t1180012345678\n' >expect &&
		test_cmp expect actual &&
		git --git-dir=\"\$EPORT_HOME/docs.git\" show refs/cases/XM20261126-0001:docs/license-1.pdf >blob &&
		cmp blob b/scans/license.pdf &&
		eport-show XM20261126-0001 | jq -r .source >src &&
		echo one.$fmt:case.json:1 >expect && test_cmp expect src
	"
done

test_expect_success 'cases.jsonl in a bundle gives one case per line' '
	(cd m && bsdtar -a -cf ../many.zip cases.jsonl scans) &&
	eport-apply many.zip | cut -f1,5 >actual &&
	printf "id\tref\nXM20261126-0002\t1180023456789\nXM20261126-0003\t1180034567890\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a record naming a file the bundle lacks is refused' '
	mkdir lack && sed -n 1p "$EPORT_SHARE/examples/cases.jsonl" | sed s/1180012345678/1180055555555/g >lack/case.json &&
	(cd lack && bsdtar -a -cf ../lack.zip case.json) &&
	snapshot lack &&
	test_expect_code 1 eport-apply lack.zip 2>err &&
	echo "eport-apply: lack.zip:case.json:1: documents.1.file: '\''scans/license.pdf'\'': not in the bundle" >expect &&
	test_cmp expect err &&
	unchanged lack
'

# bundle-refusal NAME EXPECTED-MESSAGE: the bundle is refused whole, store unchanged
refused() {
	snapshot "$1" &&
	test_expect_code 1 eport-apply "$1" 2>err &&
	echo "eport-apply: $1: $2" >expect &&
	test_cmp expect err &&
	unchanged "$1"
}

test_expect_success 'an entry climbing out with .. refuses the bundle' '
	mkdir -p evil/in && cp b/case.json evil/in/ && echo x >evil/x &&
	(cd evil/in && bsdtar -cf ../../dotdot.tar case.json ../x) &&
	refused dotdot.tar "entry '\''../x'\'': path is absolute or leaves the bundle"
'

test_expect_success 'an absolute entry path refuses the bundle' '
	(cd b && bsdtar -cf ../abs.tar -P case.json "$PWD/scans/form1.pdf") &&
	refused abs.tar "entry '\''$PWD/b/scans/form1.pdf'\'': path is absolute or leaves the bundle"
'

test_expect_success 'a symlink entry refuses the bundle' '
	mkdir sl && cp b/case.json sl/ && ln -s /etc/passwd sl/passwd &&
	(cd sl && bsdtar -cf ../sym.tar case.json passwd) &&
	refused sym.tar "entry '\''passwd'\'': links are not allowed in a bundle"
'

test_expect_success 'a hardlink entry refuses the bundle' '
	mkdir hl && cp b/case.json hl/ && echo x >hl/a && ln hl/a hl/b &&
	(cd hl && bsdtar -cf ../hard.tar case.json a b) &&
	refused hard.tar "entry '\''b'\'': links are not allowed in a bundle"
'

test_expect_success 'a device entry refuses the bundle' '
	mkdir dv && cp b/case.json dv/ &&
	bsdtar -cf dev.tar -C dv case.json -C / dev/null &&
	refused dev.tar "entry '\''dev/null'\'': not a regular file"
'

test_expect_success 'no case.json refuses the bundle' '
	(cd b && bsdtar -a -cf ../nocase.zip scans) &&
	refused nocase.zip "no case.json or cases.jsonl at the top of the bundle"
'

test_expect_success 'a truncated archive refuses the bundle' '
	(cd b && bsdtar -a -cf ../full.tar.gz case.json scans) &&
	head -c 600 full.tar.gz >trunc.tar.gz &&
	snapshot trunc.tar.gz &&
	test_expect_code 1 eport-apply trunc.tar.gz 2>err &&
	grep -q "^eport-apply: trunc.tar.gz: " err &&
	unchanged trunc.tar.gz
'

test_expect_success 'an entry over 64 MiB refuses the bundle (a zip bomb)' '
	mkdir bomb && cp b/case.json bomb/ &&
	head -c 70000000 /dev/zero >bomb/zeros &&
	(cd bomb && bsdtar -a -cf ../bomb.zip case.json zeros) &&
	rm -rf bomb &&
	test $(wc -c <bomb.zip) -lt 1000000 &&
	refused bomb.zip "entry '\''zeros'\'': larger than 64 MiB"
'

test_expect_success 'a bundle unpacking past 256 MiB is refused' '
	mkdir big && cp b/case.json big/ &&
	for i in 1 2 3 4 5; do head -c 60000000 /dev/zero >big/z$i; done &&
	(cd big && bsdtar -a -cf ../big.tar.gz case.json z1 z2 z3 z4 z5) &&
	rm -rf big &&
	refused big.tar.gz "unpacks to more than 256 MiB"
'

done_testing
