#!/usr/bin/env bash
# The engine's memory-model tests (jcstress/, see "Memory-model tests (jcstress)" in docs/testing.md).
# Builds jcstress/target/jcstress.jar against the real engine sources, then runs it twice:
#   1. every correct test (dev.warmtier.jcstress.*): must pass. jcstress exits non-zero on any
#      FORBIDDEN outcome, and this also checks that every test it should run did run, and passed;
#   2. each deliberately racy test (dev.warmtier.jcstress.racy.*), alone: must FAIL, naming a
#      forbidden outcome it exists to show, or this suite could not catch that bug:
#      RacyClaimsShareASlot "0, 0, 2" (a shared slot); PublishBeforePayloadIsSeenStale a committed
#      slot read with a stale payload or a failing checksum (the store's commit order reversed).
# Full logs and jcstress's HTML reports: jcstress/target/jcstress-run/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# quick: 5 x 200 ms iterations in each of jcstress's 28 JVM/compilation configurations per test.
CORRECT_MODE=${JCSTRESS_MODE:-quick}
# The racy test needs far fewer samples to show its collision, but more than sanity mode's handful:
# quick's iterations without the split-compilation configurations (8 instead of 28).
RACY_ARGS=(-m quick -sc false)

CORRECT='^dev\.warmtier\.jcstress\.[^.]+$'
# Each racy test and a regex of the forbidden outcome it must show.
RACY_TESTS=(
    'dev.warmtier.jcstress.racy.RacyClaimsShareASlot|0, 0, 2'
    'dev.warmtier.jcstress.racy.PublishBeforePayloadIsSeenStale|(readable, stale|fails its checksum, .*)'
)

JAR=$PWD/jcstress/target/jcstress.jar
RUN=$PWD/jcstress/target/jcstress-run

fail() {
    echo "jcstress: FAIL: $*" >&2
    exit 1
}

# Prints jcstress's progress line at most every 30 s (with -v it prints one per result).
progress() {
    local line last=-30
    while IFS= read -r line; do
        if [[ $line == "(Results:"* ]] && ((SECONDS - last >= 30)); then
            echo "$line"
            last=$SECONDS
        fi
    done
}

# Runs jcstress with the given name and arguments in $RUN (its result blob lands in the working
# directory), the whole verbose output in $RUN/<name>.log, some progress on the console. Sets rc.
run_jcstress() {
    local name=$1
    shift
    set +e
    (cd "$RUN" && java -jar "$JAR" -v -r "$RUN/$name" "$@") 2>&1 | tee "$RUN/$name.log" | progress
    rc=${PIPESTATUS[0]}
    set -e
    echo "-- $name: jcstress exited $rc; outcome tables across all configurations:"
    sed -n '/^RUN RESULTS:/,$p' "$RUN/$name.log"
}

./mvnw -B -ntp -f jcstress/pom.xml clean package
mkdir -p "$RUN"

# Guard the selection: the regex must pick exactly the @JCStressTest classes of the package.
expected=$(grep -l '^@JCStressTest' jcstress/src/main/java/dev/warmtier/jcstress/*.java | wc -l)
listed=$(java -jar "$JAR" -l -t "$CORRECT" | grep -c '^dev\.warmtier\.jcstress\.' || true)
[ "$expected" -gt 0 ] && [ "$listed" -eq "$expected" ] \
    || fail "the selection $CORRECT lists $listed tests, the package holds $expected"

echo "== jcstress: $expected correct tests, -m $CORRECT_MODE (each must pass)"
run_jcstress correct -t "$CORRECT" -m "$CORRECT_MODE"
log=$RUN/correct.log
[ "$rc" -eq 0 ] || fail "a correct test failed (jcstress exited $rc); see the tables above and $log"
grep -q '^  Failed tests: No matches\.' "$log" || fail "jcstress reported failed tests; see $log"
grep -q '^  Error tests: No matches\.' "$log" || fail "jcstress reported test errors; see $log"
passed=$(grep -c '^\.* \[OK\] dev\.warmtier\.jcstress\.' <(sed -n '/^RUN RESULTS:/,$p' "$log") || true)
[ "$passed" -eq "$expected" ] || fail "$passed of $expected correct tests reported OK; see $log"

expected_racy=$(grep -l '^@JCStressTest' jcstress/src/main/java/dev/warmtier/jcstress/racy/*.java | wc -l)
[ "$expected_racy" -eq "${#RACY_TESTS[@]}" ] \
    || fail "jcstress/.../racy holds $expected_racy tests, this script checks ${#RACY_TESTS[@]}"
for entry in "${RACY_TESTS[@]}"; do
    RACY_TEST=${entry%%|*}
    RACY_OUTCOME=${entry#*|}
    name=racy-${RACY_TEST##*.}
    echo "== jcstress: $RACY_TEST ${RACY_ARGS[*]} (must show a forbidden \"$RACY_OUTCOME\")"
    run_jcstress "$name" -t "^${RACY_TEST//./\\.}\$" "${RACY_ARGS[@]}"
    log=$RUN/$name.log
    [ "$rc" -ne 0 ] || fail "$RACY_TEST passed: jcstress did not catch it; see $log"
    grep -q "\[FAILED\] $RACY_TEST\$" "$log" || fail "$RACY_TEST is not among the failed tests; see $log"
    grep -Eq "Observed forbidden state: $RACY_OUTCOME " "$log" \
        || fail "$RACY_TEST failed without showing \"$RACY_OUTCOME\"; see $log"
    grep -q '^  Error tests: No matches\.' "$log" \
        || fail "the run of $RACY_TEST had test errors, not only the expected failure; see $log"
done
echo "jcstress: OK: $passed correct tests passed; ${#RACY_TESTS[@]} racy tests failed as expected"
