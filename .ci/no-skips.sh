#!/usr/bin/env bash
# Fails when the test reports of the last `./mvnw verify` (Surefire and Failsafe) count any
# skipped test, naming each: under CI a test that cannot run must fail (dev.warmtier.Prerequisites),
# and nothing may be @Disabled quietly. Also fails when there are no reports at all.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

shopt -s nullglob
reports=(target/surefire-reports/TEST-*.xml target/surefire-reports-vector-api/TEST-*.xml target/failsafe-reports/TEST-*.xml)
if (( ${#reports[@]} == 0 )); then
    echo "no test reports under target/surefire-reports or target/failsafe-reports" >&2
    exit 1
fi

skipped=0
for report in "${reports[@]}"; do
    # The <testsuite> element's own skipped="N" (its first occurrence in the file).
    count="$(grep -o -m1 'skipped="[0-9]*"' "$report" | head -n1 | tr -dc '0-9')"
    if [[ -n "$count" && "$count" -gt 0 ]]; then
        echo "$report: $count skipped" >&2
        # Each skipped test case and the reason its report gives.
        grep -B1 -A1 '<skipped' "$report" | grep -o 'testcase name="[^"]*"\|message="[^"]*"' >&2 || true
        skipped=$((skipped + count))
    fi
done
if (( skipped > 0 )); then
    echo "$skipped test(s) skipped: CI runs every test or fails" >&2
    exit 1
fi
echo "no test skipped in ${#reports[@]} reports"
