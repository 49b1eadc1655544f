#!/bin/sh
# git gc from cron while the office works, as eport-fsck(1) advises: it
# joins the batches' packs into one and packs the refs.  The store reads the
# same after it, the next step moves a ref that gc packed, and an intake
# and a review batch that run while gc runs again and again lose nothing.
. "$(dirname "$0")/lib.sh"

N=240
git_() { git --git-dir="$EPORT_HOME/docs.git" "$@"; }
packs() { ls "$EPORT_HOME"/docs.git/objects/pack/*.pack | wc -l; }

test_expect_success 'setup: a store of many small packs' '
	reader_store $N G 9 &&
	eport-apply old.jsonl | sed 1d | cut -f1 >old.ids &&
	test $(wc -l <old.ids) = $((N / 2)) &&
	{ eport-check -q <old.ids >checked; test $? -le 1; } &&
	sed 1d checked >ok.ids &&
	test $(wc -l <ok.ids) -ge $((N / 4)) &&
	test $(packs) -ge 20
'

test_expect_success 'git gc: one pack, the refs packed, and the store reads the same' '
	eport-ls >ls.before &&
	eport-log -j <old.ids >log.before &&
	eport-show <old.ids >show.before &&
	git_ gc --quiet &&
	test $(packs) = 1 &&
	test -s "$EPORT_HOME/docs.git/packed-refs" &&
	test -z "$(ls "$EPORT_HOME/docs.git/refs/cases")" &&
	eport-ls >ls.after && test_cmp ls.before ls.after &&
	eport-log -j <old.ids >log.after && test_cmp log.before log.after &&
	eport-show <old.ids >show.after && test_cmp show.before show.after &&
	refs_match
'

# a reader case needs no card work: accepted, it is ready at once
test_expect_success 'the next step moves a ref that gc packed' '
	id=$(sed -n 1p ok.ids) &&
	EPORT_USER=bob eport-review accept -m ok $id >/dev/null &&
	test -f "$EPORT_HOME/docs.git/refs/cases/$id" &&
	test "$(git_ rev-parse refs/cases/$id)" = "$(eport-show $id | jq -r .commit)" &&
	git_ log --format=%s refs/cases/$id >log &&
	printf "%s\n" "ready $id: no card work" "accept $id: ok" >expect &&
	head -n 2 log >top && test_cmp expect top &&
	refs_match
'

# gc over and over until the writers are done; each run's start and end
gc_loop() {
	while [ ! -e stop ]; do
		t0=$(date +%s%N)
		git_ gc --quiet || return 1
		echo "$t0 $(date +%s%N)" >>gc.runs
	done
}

test_expect_success 'an intake and a review batch while git gc runs again and again lose nothing' '
	rm -f stop gc.runs &&
	sed -n "2,\$p" ok.ids >accept.ids &&
	{ gc_loop >gc.out 2>gc.err & } &&
	gc=$! &&
	{ timed apply eport-apply new.jsonl & } &&
	p1=$! &&
	{ timed review env EPORT_USER=bob eport-review accept -m ok <accept.ids & } &&
	p2=$! &&
	{ wait $p1; r1=$?; } &&
	{ wait $p2; r2=$?; } &&
	touch stop &&
	{ wait $gc; r3=$?; } &&
	test $r1 = 0 && test $r2 = 0 && test $r3 = 0 &&
	cat apply.err review.err gc.out gc.err >errs &&
	test_cmp /dev/null errs &&
	start=$(cat apply.t review.t | sort -n | head -n 1) &&
	end=$(cat apply.t review.t | sort -n | tail -n 1) &&
	awk -v s="$start" -v e="$end" "\$1 < e && \$2 > s" gc.runs >during &&
	test -s during &&
	test $(($(wc -l <apply.out) - 1)) = $((N / 2)) &&
	test $(($(wc -l <review.out) - 1)) = $(wc -l <accept.ids)
'

test_expect_success 'every case is stored once, every decision made; refs, git and LMDB agree' '
	eport-ls | sed 1d | cut -f5 | sort >refs &&
	jq -r .ref all.jsonl | sort >expect && test_cmp expect refs &&
	eport-ls -s ready | sed 1d | cut -f1 | sort >ready &&
	sort ok.ids >expect && test_cmp expect ready &&
	refs_match &&
	{ git_ fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf || :; } &&
	test_cmp /dev/null gf
'

done_testing
