#!/bin/sh
# eport-attach: documents added to a case, their bytes in the case's git tree
# and their hash in the case, in one commit; a returned case goes back to
# received; whatever is refused leaves the store as it was.
. "$(dirname "$0")/lib.sh"

GIT="git --git-dir=$TRASH/store/docs.git"
C=XM20261126-0003
HOLDER=35020319750303052X

test_expect_success 'setup: case 1 accepted, case 3 incomplete' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null &&
	eport-apply ex/cases.jsonl | eport-check -q | EPORT_USER=bob eport-review accept >/dev/null &&
	eport-ls | cut -f 1,4 >actual &&
	printf "id\tstate\nXM20261126-0001\taccepted\nXM20261126-0002\taccepted\n$C\tincomplete\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a document goes into the case and its tree, in one commit' '
	n=$($GIT rev-list --count refs/cases/$C) &&
	EPORT_USER=carol eport-attach -s -H $HOLDER $C id-holder ex/scans/id-op2.png >actual &&
	printf "id\tstate\n$C\tincomplete\n" >expect &&
	test_cmp expect actual &&
	test $($GIT rev-list --count refs/cases/$C) = $((n + 1)) &&
	eport-show $C | jq -c ".documents[-1] | del(.sha256, .blob)" >actual &&
	echo "{\"kind\":\"id-holder\",\"file\":\"id-op2.png\",\"sealed\":true,\"copies\":1,\"holder\":\"$HOLDER\",\"size\":$(wc -c <ex/scans/id-op2.png),\"path\":\"docs/id-holder-1.png\"}" >expect &&
	test_cmp expect actual &&
	eport-show $C | jq -r ".documents[-1].sha256" >actual &&
	sha256sum <ex/scans/id-op2.png | cut -d" " -f1 >expect &&
	test_cmp expect actual &&
	$GIT show refs/cases/$C:docs/id-holder-1.png >blob &&
	cmp blob ex/scans/id-op2.png &&
	eport-show $C | jq -r ".documents[-1].blob" >actual &&
	git hash-object ex/scans/id-op2.png >expect &&
	test_cmp expect actual
'

test_expect_success 'the commit is the staff member'\''s, the case amended' '
	$GIT log -1 --format="%an|%s|%(trailers:key=Case-State,valueonly,separator=)" refs/cases/$C >actual &&
	echo "carol|attach $C: id-holder id-op2.png|incomplete" >expect &&
	test_cmp expect actual &&
	$GIT show refs/cases/$C:case.json | jq -r .amended >actual &&
	echo 2026-11-26T10:00:00+08:00 >expect &&
	test_cmp expect actual &&
	eport-log $C | tail -n 1 | cut -f 4,6- >actual &&
	printf "carol\tattach\tincomplete\tincomplete\tid-holder id-op2.png\n" >expect &&
	test_cmp expect actual &&
	$GIT fsck --strict
'

test_expect_success 'several files, unsealed, with copies: one commit, and the check sees them' '
	n=$($GIT rev-list --count refs/cases/$C) &&
	eport-attach -c 2 $C id-handler ex/scans/id-handler.png ex/scans/form1.pdf >/dev/null &&
	test $($GIT rev-list --count refs/cases/$C) = $((n + 1)) &&
	eport-show $C | jq -r ".documents[-2:][] | [.kind, .file, .sealed, .copies, .path, .holder] | @tsv" >actual &&
	printf "id-handler\tid-handler.png\tfalse\t2\tdocs/id-handler-1.png\t\nid-handler\tform1.pdf\tfalse\t2\tdocs/id-handler-2.pdf\t\n" >expect &&
	test_cmp expect actual &&
	$GIT show refs/cases/$C:docs/id-handler-2.pdf | cmp - ex/scans/form1.pdf &&
	eport-check $C | cut -f 3,4 >actual
	cat >expect <<-\EOT &&
	rule	path
	doc-unsealed	documents.1
	doc-unsealed	documents.3
	doc-unsealed	documents.4
	card-unknown	cards.1.number
	EOT
	test_cmp expect actual
'

test_expect_success 'a returned case goes back to received' '
	EPORT_USER=bob eport-review return -m 请补寄加盖公章的登记表 $C >/dev/null &&
	eport-attach -s $C form1 ex/scans/form1.pdf >actual &&
	printf "id\tstate\n$C\treceived\n" >expect &&
	test_cmp expect actual &&
	$GIT log -1 --format="%an|%s|%(trailers:key=Case-State,valueonly,separator=)" refs/cases/$C >actual &&
	echo "alice|attach $C: form1 form1.pdf|received" >expect &&
	test_cmp expect actual &&
	eport-log $C | tail -n 1 | cut -f 6-8 >actual &&
	printf "attach\treturned\treceived\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a case in another state is refused, its state named' '
	snapshot st &&
	test_expect_code 1 eport-attach -s XM20261126-0001 form1 ex/scans/form1.pdf >out 2>err &&
	echo "eport-attach: XM20261126-0001: case is accepted, not received, incomplete or returned" >expect &&
	test_cmp expect err && test ! -s out &&
	unchanged st
'

test_expect_success 'an unknown kind, or a card, is refused' '
	snapshot kind &&
	test_expect_code 1 eport-attach $C form9 ex/scans/form1.pdf 2>err &&
	echo "eport-attach: '\''form9'\'': not a document kind" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-attach $C card-legal ex/scans/form1.pdf 2>err &&
	echo "eport-attach: '\''card-legal'\'': not a document kind" >expect &&
	test_cmp expect err &&
	unchanged kind
'

test_expect_success 'a holder not of the case is refused' '
	snapshot holder &&
	test_expect_code 1 eport-attach -H 350203198005120316 $C form2 ex/scans/form1.pdf 2>err &&
	echo "eport-attach: $C: '\''350203198005120316'\'' is not a holder of the case" >expect &&
	test_cmp expect err &&
	unchanged holder
'

test_expect_success 'one missing file refuses them all' '
	snapshot missing &&
	test_expect_code 1 eport-attach $C poa ex/scans/form1.pdf nothing.pdf ex/scans/license.pdf >out 2>err &&
	echo "eport-attach: '\''nothing.pdf'\'': No such file or directory" >expect &&
	test_cmp expect err && test ! -s out &&
	unchanged missing
'

test_expect_success 'a file over 64 MiB refuses them all' '
	snapshot big &&
	truncate -s 67108865 big.pdf &&
	test_expect_code 1 eport-attach $C poa ex/scans/form1.pdf big.pdf 2>err &&
	echo "eport-attach: '\''big.pdf'\'': larger than 64 MiB" >expect &&
	test_cmp expect err &&
	unchanged big
'

test_expect_success 'a case that does not exist is refused' '
	snapshot nocase &&
	test_expect_code 1 eport-attach XM20261126-0099 poa ex/scans/form1.pdf 2>err &&
	echo "eport-attach: XM20261126-0099: no such case" >expect &&
	test_cmp expect err &&
	unchanged nocase
'

test_expect_success 'usage errors exit 2' '
	snapshot usage &&
	test_expect_code 2 eport-attach $C poa 2>err &&
	echo "usage: eport-attach [-jns] [-c COPIES] [-H HOLDER] CASE KIND FILE..." >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-attach -c 0 $C poa ex/scans/form1.pdf 2>err &&
	echo "eport-attach: -c '\''0'\'': not a whole number from 1 to 99" >expect &&
	test_cmp expect err &&
	unchanged usage
'

test_expect_success '-n reads and prints, and stores nothing' '
	snapshot dry &&
	eport-attach -n -j -s $C poa ex/scans/form1.pdf >actual &&
	echo "{\"id\":\"$C\",\"state\":\"received\"}" >expect &&
	test_cmp expect actual &&
	unchanged dry
'

# one document per file (by its SHA-256, for the kind and holder): the
# natural retry after a crash between the commit and the printed line
test_expect_success 'the same file again is one document: nothing new, no commit' '
	snapshot again &&
	EPORT_USER=carol eport-attach -s -H $HOLDER $C id-holder ex/scans/id-op2.png >actual 2>err &&
	printf "id\tstate\n$C\treceived\n" >expect &&
	test_cmp expect actual &&
	echo "eport-attach: $C: '\''ex/scans/id-op2.png'\'' is attached already as docs/id-holder-1.png" >expect &&
	test_cmp expect err &&
	unchanged again
'

test_expect_success 'a file named twice in one call is one document' '
	n=$(eport-show $C | jq ".documents | length") &&
	eport-attach $C poa ex/scans/license.pdf ex/scans/license.pdf >/dev/null 2>err &&
	echo "eport-attach: $C: '\''ex/scans/license.pdf'\'' is attached already (named twice)" >expect &&
	test_cmp expect err &&
	test $(eport-show $C | jq ".documents | length") = $((n + 1)) &&
	$GIT log -1 --format=%s refs/cases/$C >actual &&
	echo "attach $C: poa license.pdf" >expect &&
	test_cmp expect actual
'

# strace kills eport-attach as it writes its line (-P: the output file)
test_expect_success 'killed after its commit, before its line: the retry attaches nothing new' '
	n=$(eport-show $C | jq ".documents | length") &&
	c=$($GIT rev-list --count refs/cases/$C) &&
	: >out &&
	test_expect_code 137 strace -f -o trace -P "$PWD/out" -e trace=write -e inject=write:signal=KILL:when=1 \
		eport-attach $C form3 ex/scans/form2-op1.pdf >>out 2>/dev/null;
	grep -q "killed by SIGKILL" trace &&
	test ! -s out &&
	test $(eport-show $C | jq ".documents | length") = $((n + 1)) &&
	test $($GIT rev-list --count refs/cases/$C) = $((c + 1)) &&
	snapshot retry &&
	eport-attach $C form3 ex/scans/form2-op1.pdf >actual 2>err &&
	printf "id\tstate\n$C\treceived\n" >expect &&
	test_cmp expect actual &&
	grep -q "is attached already as docs/form3-1.pdf" err &&
	unchanged retry &&
	eport-fsck
'

test_expect_success 'a case holds at most case.max-documents' '
	n=$(eport-show $C | jq ".documents | length") &&
	git config -f "$EPORT_HOME/config" case.max-documents $((n + 1)) &&
	snapshot max &&
	test_expect_code 1 eport-attach $C form4 ex/scans/form2-op2.pdf ex/scans/id-legal.png >out 2>err &&
	echo "eport-attach: $C: '\''ex/scans/id-legal.png'\'': the case holds $((n + 1)) documents, at most $((n + 1)) (case.max-documents)" >expect &&
	test_cmp expect err && test ! -s out &&
	unchanged max &&
	eport-attach $C form4 ex/scans/form2-op2.pdf >/dev/null &&
	git config -f "$EPORT_HOME/config" --unset case.max-documents
'

done_testing
