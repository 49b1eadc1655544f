#!/bin/sh
# eport-fsck from cron while the office works: beside writers, a sound
# store draws no problem (it judges the refs it read against one LMDB
# snapshot taken after them, and waits out the writers between their LMDB
# commit and their refs), and a real problem is still found.
. "$(dirname "$0")/lib.sh"

N=400
git_() { git --git-dir="$EPORT_HOME/docs.git" "$@"; }

test_expect_success "setup: $N reader cases, half taken in and checked" '
	reader_store $N F 13 &&
	eport-apply old.jsonl >old.ids &&
	eport-check -q <old.ids >checked;
	test $? -le 1 &&
	sed 1d checked >ok.ids &&
	test $(wc -l <ok.ids) = $((N / 2)) &&
	sed -n "1,$((N / 4))p" ok.ids >A &&
	sed -n "$((N / 4 + 1)),\$p" ok.ids >B &&
	EPORT_USER=bob eport-review accept -m ok <A >/dev/null &&
	{ printf "id\ttracking\n"; awk "{ printf \"%s\t11800%08d\n\", \$1, NR }" A; } >marks.tsv &&
	eport-fsck
'

# eport-fsck again and again until the writers are done: each run's exit
# status, what it said, and when
fsck_loop() {
	i=0
	while [ ! -e stop ]; do
		t0=$(date +%s%N)
		eport-fsck >fsck.$i.out 2>fsck.$i.err
		echo "$? $t0 $(date +%s%N) $i" >>fsck.runs
		i=$((i + 1))
	done
}

test_expect_success 'beside an intake, a review and shipping marks, every eport-fsck is silent' '
	rm -f stop fsck.runs || return 1
	fsck_loop &
	f=$!
	timed apply eport-apply new.jsonl &
	p1=$!
	timed review env EPORT_USER=bob eport-review accept -m ok <B &
	p2=$!
	timed mark env EPORT_USER=carol EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark <marks.tsv &
	p3=$!
	wait $p1 && wait $p2 && wait $p3;
	r=$?
	touch stop
	wait $f
	test $r = 0 &&
	cat apply.err review.err mark.err >errs &&
	test_cmp /dev/null errs &&
	start=$(cat apply.t review.t mark.t | sort -n | head -n 1) &&
	end=$(cat apply.t review.t mark.t | sort -n | tail -n 1) &&
	awk -v s="$start" -v e="$end" "\$2 < e && \$3 > s" fsck.runs >during &&
	test $(wc -l <during) -ge 3 &&
	awk "\$1 != 0 { print \"run \" \$4 \" exited \" \$1 }" fsck.runs >failed &&
	test_cmp /dev/null failed &&
	cat fsck.*.out fsck.*.err >said &&
	test_cmp /dev/null said &&
	refs_match
'

# a ref put back one step by hand, while writers work: found, and only it
test_expect_success 'a ref that really lags is found while others write, and nothing else' '
	reader_cases 300 G 14 >more.jsonl &&
	id=$(sed -n 1p A) &&
	c=$(git_ rev-parse refs/cases/$id) &&
	git_ update-ref refs/cases/$id "$c^" &&
	git_ update-ref refs/cases/XM20991231-0001 "$c" &&
	rm -f more.out || return 1
	timed more eport-apply more.jsonl &
	p=$!
	while ! test -s more.out; do sleep 0.01; done
	timed lagging eport-fsck
	r=$?
	wait $p
	test $r = 1 &&
	overlapping more lagging &&
	test_cmp /dev/null lagging.out &&
	sort lagging.err >sorted &&
	printf "%s\n" "eport-fsck: 2 problems" \
		"eport-fsck: $id: refs/cases/$id lags the case (eport-fsck -r moves it)" \
		"eport-fsck: XM20991231-0001: refs/cases/XM20991231-0001 names no case in the db" >expect &&
	test_cmp expect sorted
'

test_expect_success 'eport-fsck -r mends the lag; the store is sound' '
	git_ update-ref -d refs/cases/XM20991231-0001 &&
	eport-fsck -r 2>err &&
	echo "eport-fsck: $id: refs/cases/$id moved to the case'\''s commit" >expect &&
	test_cmp expect err &&
	refs_match
'

done_testing
