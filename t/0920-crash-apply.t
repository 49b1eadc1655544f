#!/bin/sh
# eport-apply killed with SIGKILL at random moments of a bulk intake, round
# after round: every case whose line was printed is in the store, eport-fsck
# -r leaves a store that eport-fsck and git fsck find sound, and the same
# input run again completes the intake with no case twice.
. "$(dirname "$0")/lib.sh"

N=3000
ROUNDS=20
seed=${EPORT_CRASH_SEED:-$$}
echo "# $N records, $ROUNDS rounds, seed $seed (EPORT_CRASH_SEED to replay)"

test_expect_success "setup: $N records with small documents, batches of 100" '
	eport-init &&
	git config -f "$EPORT_HOME/config" store.batch-records 100 &&
	mkdir -p in/docs &&
	for d in 0 1 2 3 4 5 6 7; do
		printf "%%PDF-1.4\n%% scan %d\n%%%%EOF\n" $d >in/docs/d$d.pdf || return 1
	done &&
	sed -n 3p "$EPORT_SHARE/examples/cases.jsonl" >template.json &&
	perl -e "
		my \$t = <STDIN>; chomp \$t;
		for my \$i (1..$N) {
			my \$r = \$t;
			my \$ref = sprintf q(CR%06d), \$i;
			my (\$a, \$b) = (\$i % 8, \$i * 3 % 8);
			\$r =~ s/\"ref\":\"[^\"]*\"/\"ref\":\"\$ref\"/ or die;
			\$r =~ s/\"documents\":\[.*\]/\"documents\":[{\"kind\":\"form1\",\"file\":\"docs\/d\$a.pdf\",\"sealed\":true},{\"kind\":\"id-holder\",\"file\":\"docs\/d\$b.pdf\",\"sealed\":true}]/ or die;
			print \"\$r\n\";
		}" <template.json >in/cases.jsonl &&
	test $(wc -l <in/cases.jsonl) = $N &&
	jq -r .ref in/cases.jsonl | sort -u >refs &&
	test $(wc -l <refs) = $N &&
	: >printed
'

# the lines of FILE that were written whole (a kill may cut the last one)
complete() {
	if [ -n "$(tail -c 1 "$1")" ]; then sed '$d' "$1"; else cat "$1"; fi
}

# A round of 1000 records on a copy of the store: how long it takes to
# print its first line and to end (ms), so that the kills land before and
# after the first line however fast this machine (or this build) is:
# under load an ASan build took 3-5 s to print, and fixed delays of at most
# 0.8 s killed every round before anything was stored.
test_expect_success 'a whole round, timed on a copy of the store' '
	sed -n "1,1000p" in/cases.jsonl >in/span.jsonl &&
	rm -rf span.home && cp -R "$EPORT_HOME" span.home || return 1
	t0=$(date +%s%N)
	(cd in && EPORT_HOME=$TRASH/span.home exec eport-apply span.jsonl) >span.out 2>span.err &
	p=$!
	while ! grep -q "^XM" span.out 2>/dev/null && kill -0 $p 2>/dev/null; do sleep 0.01; done
	t1=$(date +%s%N)
	wait $p &&
	t2=$(date +%s%N) &&
	rm -rf span.home &&
	test $(grep -c "^XM" span.out) = 1000 &&
	echo $(((t1 - t0) / 1000000)) >first.ms &&
	echo $(((t2 - t0) / 1000000)) >total.ms
'
echo "# a round prints its first line after $(cat first.ms 2>/dev/null) ms and ends after $(cat total.ms 2>/dev/null) ms"

# Round r takes in a window of 1000 records that moves on by N/ROUNDS each
# round, so that most kills land among new records, not ones already in;
# it is killed somewhere from half the time of the first line to 90% of
# the whole run.
stride=$((N / ROUNDS))
round=1
while [ $round -le $ROUNDS ]; do
	from=$(((round - 1) * stride + 1))
	to=$((from + 999))
	delay=$(awk -v s="$seed" -v r=$round -v f="$(cat first.ms 2>/dev/null || echo 100)" \
	    -v t="$(cat total.ms 2>/dev/null || echo 800)" \
	    'BEGIN { srand(s * 100 + r); lo = f / 2; hi = t * 0.9; if (hi < lo) hi = lo;
		printf "%.3f", (lo + rand() * (hi - lo)) / 1000 }')
	test_expect_success "round $round: records $from-$to, killed after ${delay}s; what it printed is stored" '
		sed -n "$from,${to}p" in/cases.jsonl >in/r$round.jsonl &&
		(cd in && exec eport-apply r$round.jsonl) >out.$round 2>err.$round &
		pid=$!
		sleep $delay
		kill -KILL $pid 2>/dev/null
		wait $pid
		rc=$?
		{ test $rc = 137 || test $rc = 0; } &&
		{
			complete err.$round |
			grep -v "^eport-apply: r$round.jsonl:[0-9]*: ref '\''CR[0-9]*'\'' was taken in before as XM20261126-[0-9]*$" >unexpected
			test_cmp /dev/null unexpected
		} &&
		complete out.$round | awk -F "	" "NR > 1 { print \$1 \"\t\" \$5 }" | sort >got &&
		cut -f1 got | eport-show | jq -r "[.id, .ref] | @tsv" | sort >shown &&
		test_cmp got shown &&
		sort -u printed got >all && mv all printed
	'
	echo "$rc $(complete out.$round | grep -c "^XM")" >round.$round
	echo "# round $round: exit $rc, $(complete out.$round | grep -c "^XM") cases printed"
	round=$((round + 1))
done

# the rounds prove something only if some were killed after they had
# printed (a kill that lands before the first batch stores nothing)
test_expect_success 'some round was killed after it had printed' '
	cat round.* >rounds &&
	awk "\$1 == 137 && \$2 > 0" rounds >killed &&
	test -s killed
'

# git fsck: exit 0 and nothing to say but notices: that HEAD is unborn
# (the store has only refs/cases/*), or that there are no refs at all
gitfsck() {
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict --no-dangling >gitfsck.out 2>&1 && {
		grep -v -e "^notice: HEAD points to an unborn branch" \
			-e "^notice: No default references" gitfsck.out >gitfsck.bad
		test_cmp /dev/null gitfsck.bad
	}
}

# A kill while libgit2 writes refs/cases/<id> leaves refs/cases/<id>.lock
# behind, and one while a batch's pack is made leaves its files in
# objects/eport-incoming.  Those older than a few seconds have no writer,
# and eport-fsck -r removes them and makes the ref; the test makes them
# that old.
age_debris &&
debris >locks

test_expect_success 'eport-fsck -r, then eport-fsck and git fsck find the store sound' '
	eport-fsck -r 2>/dev/null &&
	debris >left && test_cmp /dev/null left &&
	git --git-dir="$EPORT_HOME/docs.git" count-objects -v >count &&
	grep -x "garbage: 0" count &&
	eport-fsck >out 2>err &&
	test_cmp /dev/null out && test_cmp /dev/null err &&
	gitfsck
'

test_expect_success 'the same input again completes the intake, no case twice' '
	(cd in && eport-apply cases.jsonl) >final.out 2>final.err &&
	! grep -v "was taken in before" final.err &&
	eport-ls >ls &&
	test $(($(wc -l <ls) - 1)) = $N &&
	tail -n +2 ls | cut -f5 | sort -u >stored &&
	test_cmp refs stored &&
	tail -n +2 ls | cut -f1 | sort -u | wc -l >ids &&
	echo $N >expect && test_cmp expect ids &&
	git --git-dir="$EPORT_HOME/docs.git" for-each-ref refs/cases | wc -l >nrefs &&
	test_cmp expect nrefs
'

test_expect_success 'every line printed before a kill names the case stored for its ref' '
	tail -n +2 ls | awk -F "	" "{ print \$1 \"\t\" \$5 }" | sort >final &&
	comm -23 printed final >lost &&
	test_cmp /dev/null lost &&
	eport-fsck &&
	gitfsck
'

done_testing
