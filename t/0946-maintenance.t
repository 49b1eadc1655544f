#!/bin/sh
# The git maintenance an administrator may run from cron, without eport's
# knowing, beside four writers: git gc --prune=now and git repack -a -d,
# again and again.  Both delete what no ref reaches, and a batch's objects
# are reached by no ref until the batch has moved its refs: its pack keeps
# a .keep until then.  Nothing is lost: every case's commit is there, git
# fsck is clean, and the refs match the cases.
. "$(dirname "$0")/lib.sh"

N=600
ROUNDS=3
git_() { git --git-dir="$EPORT_HOME/docs.git" "$@"; }

test_expect_success "setup: $N reader cases, half of them taken in, a quarter checked" '
	reader_store $N M 12 &&
	eport-apply old.jsonl | sed 1d | cut -f1 >old.ids &&
	test $(wc -l <old.ids) = $((N / 2)) &&
	sed -n "1,$((N / 4))p" old.ids >to-check &&
	sed -n "$((N / 4 + 1)),\$p" old.ids >first &&
	{ eport-check -q <first >checked; test $? -le 1; } &&
	sed 1d checked >to-accept &&
	test $(wc -l <to-accept) = $((N / 4))
'

# what git says when refs move under it, and goes on: pack-refs leaves a
# loose ref that moved while it packed it (a case's, or the registry's,
# which every transaction moves), update-server-info misses one
git_races() {
	grep -v -E -e "^error: cannot lock ref 'refs/(cases/[^' ]+|eport/[A-Z]+/registry)': is at [0-9a-f]{40} but expected [0-9a-f]{40}\$" \
		-e "^error: unable to update [^ ]*/info/refs: No such file or directory\$"
}

# gc --prune=now and repack -a -d by turns until the writers are done;
# each run's start and end
maintain() {
	i=0
	while [ ! -e stop ]; do
		t0=$(date +%s%N)
		if [ $((i % 2)) = 0 ]; then
			git_ gc --quiet --prune=now || return 1
		else
			git_ repack -a -d -q || return 1
		fi
		echo "$t0 $(date +%s%N)" >>maint.runs
		i=$((i + 1))
	done
}

# Each round: two intakes of N/12 new cases, a check and a review of N/12
# cases each, all at once, while the maintenance runs.
k=$((N / 12))
r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "round $r: two intakes, a check and a review while gc and repack run again and again" '
		sed -n "$((2 * (r - 1) * k + 1)),$((2 * (r - 1) * k + k))p" new.jsonl >new1.jsonl &&
		sed -n "$((2 * (r - 1) * k + k + 1)),$((2 * r * k))p" new.jsonl >new2.jsonl &&
		sed -n "$(((r - 1) * k + 1)),$((r * k))p" to-check >check.ids &&
		sed -n "$(((r - 1) * k + 1)),$((r * k))p" to-accept >accept.ids &&
		rm -f stop maint.runs &&
		{ maintain >maint.out 2>maint.err & } &&
		m=$! &&
		{ timed apply1 eport-apply new1.jsonl & } &&
		p1=$! &&
		{ timed apply2 eport-apply new2.jsonl & } &&
		p2=$! &&
		{ timed check eport-check -q <check.ids & } &&
		p3=$! &&
		{ timed review env EPORT_USER=bob eport-review accept -m ok <accept.ids & } &&
		p4=$! &&
		{ wait $p1; r1=$?; } &&
		{ wait $p2; r2=$?; } &&
		{ wait $p3; r3=$?; } &&
		{ wait $p4; r4=$?; } &&
		touch stop &&
		{ wait $m; r5=$?; } &&
		test $r1 = 0 && test $r2 = 0 && test $r3 -le 1 && test $r4 = 0 && test $r5 = 0 &&
		{ git_races <maint.err >maint.bad || :; } &&
		cat apply1.err apply2.err check.err review.err maint.out maint.bad >errs &&
		test_cmp /dev/null errs &&
		overlapping apply1 apply2 check review &&
		start=$(cat apply1.t apply2.t check.t review.t | sort -n | head -n 1) &&
		end=$(cat apply1.t apply2.t check.t review.t | sort -n | tail -n 1) &&
		awk -v s="$start" -v e="$end" "\$1 < e && \$2 > s" maint.runs >during &&
		test $(wc -l <during) -ge 2 &&
		test $(($(wc -l <apply1.out) - 1)) = $k &&
		test $(($(wc -l <apply2.out) - 1)) = $k &&
		test $(($(wc -l <review.out) - 1)) = $k
	'
	r=$((r + 1))
done

test_expect_success 'every case commit is in docs.git, and git fsck --strict is clean' '
	eport-ls -j | jq -r .id >ids &&
	test $(wc -l <ids) = $((N / 2 + 2 * ROUNDS * k)) &&
	eport-show <ids | jq -r .commit >commits &&
	test $(wc -l <commits) = $(wc -l <ids) &&
	git_ cat-file --batch-check <commits >have &&
	{ grep -v " commit " have >missing || :; } &&
	test_cmp /dev/null missing &&
	{ git_ fsck --strict --no-dangling >gf 2>&1; echo $? >gf.rc; } &&
	{ grep -v "^notice: HEAD" gf >bad || :; } &&
	test_cmp /dev/null bad && test "$(cat gf.rc)" = 0
'

test_expect_success 'nothing lost or doubled; refs, git and LMDB agree' '
	eport-ls | sed 1d | cut -f5 | sort >refs &&
	{ cat old.jsonl; sed -n "1,$((2 * ROUNDS * k))p" new.jsonl; } | jq -r .ref | sort >expect &&
	test_cmp expect refs &&
	eport-ls -s ready | sed 1d | cut -f1 | sort >ready &&
	sed -n "1,$((ROUNDS * k))p" to-accept | sort >expect && test_cmp expect ready &&
	eport-log -j <to-check | jq -r "select(.action == \"check\") | .id" | sort | uniq -c |
		awk "\$1 != 1" >doubled &&
	test_cmp /dev/null doubled &&
	refs_match &&
	git_ gc --quiet --prune=now &&
	eport-show <ids >/dev/null &&
	eport-fsck
'

test_expect_success 'no .keep is left once the writers are done' '
	ls "$EPORT_HOME/docs.git/objects/pack" >packdir &&
	{ grep "\.keep$" packdir >keeps || :; } &&
	test_cmp /dev/null keeps
'

# a writer killed after its LMDB commit, before it moved the ref (strace
# kills it as it opens the ref's lock): the keep outlives it, so git gc
# --prune=now and git repack -a -d leave the step's objects; eport-fsck -r
# moves the ref, then removes the keep
test_expect_success 'a writer killed before its ref moved: gc keeps its objects, fsck -r mends' '
	id=$(sed -n 1p to-check) &&
	before=$(git_ rev-parse refs/cases/$id) &&
	lock="$EPORT_HOME/docs.git/refs/cases/$id.lock" &&
	test_expect_code 137 strace -f -o trace -P "$lock" -e trace=openat -e inject=openat:signal=KILL \
		env EPORT_USER=bob eport-review reject -m "no order" $id 2>/dev/null &&
	grep -q "killed by SIGKILL" trace &&
	test "$(git_ rev-parse refs/cases/$id)" = "$before" &&
	commit=$(eport-show $id | jq -r .commit) &&
	test "$commit" != "$before" &&
	ls "$EPORT_HOME"/docs.git/objects/pack/*.keep >keeps &&
	test $(wc -l <keeps) = 1 &&
	git_ gc --quiet --prune=now && git_ repack -a -d -q &&
	git_ cat-file -e "$commit" &&
	test_expect_code 1 eport-fsck 2>err &&
	k=objects/pack/$(basename "$(cat keeps)") &&
	printf "%s\n" "eport-fsck: $id: refs/cases/$id lags the case (eport-fsck -r moves it)" \
		"eport-fsck: docs.git: $k is left by a writer that is gone (eport-fsck -r removes it)" \
		"eport-fsck: 2 problems" >expect &&
	test_cmp expect err &&
	eport-fsck -r 2>err &&
	printf "%s\n" "eport-fsck: $id: refs/cases/$id moved to the case'\''s commit" \
		"eport-fsck: docs.git: $k removed, its writer is gone" >expect &&
	test_cmp expect err &&
	test ! -e "$(cat keeps)" &&
	refs_match &&
	git_ gc --quiet --prune=now &&
	{ git_ fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf || :; } &&
	test_cmp /dev/null gf
'

done_testing
