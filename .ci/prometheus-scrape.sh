#!/usr/bin/env bash
# A real Prometheus scrapes the running service at $WARMTIER_BASE_URL (run it through
# .ci/with-server.sh, which sets that variable), and promtool lints the scrape:
#   1. one memory is written, so the store meters exist;
#   2. Debian's prometheus (.ci/install-tools.sh), run here as a plain process on a loopback port
#      the OS picks, scrapes /actuator/prometheus every second until its target is up;
#   3. the query $WARMTIER_SCRAPE_QUERY (default count({__name__=~"warmtier_.+"})) must answer,
#      through /api/v1/query, a non-empty vector whose every sample is > 0;
#   4. `promtool check metrics` on the text scrape must exit 0 and print nothing: every lint
#      finding (help text, suffixes, units) counts as an error.
# Every wait ends within 60 s; Prometheus is always stopped. On failure it prints why, the
# targets API answer and the tail of Prometheus's log. Files stay in target/prometheus-scrape/.
#
# The logic is dev.warmtier.ops.PrometheusScrape (test code, shared with PrometheusScrapeTests),
# run on the classpath ./mvnw verify leaves in target/test-classes and target/test-classpath.txt.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

base_url="${WARMTIER_BASE_URL:?set WARMTIER_BASE_URL (use .ci/with-server.sh)}"
if [[ ! -f target/test-classpath.txt || ! -d target/test-classes ]]; then
  echo "target/test-classes or target/test-classpath.txt is missing: run ./mvnw verify first" >&2
  exit 1
fi

work_dir=target/prometheus-scrape
rm -rf "$work_dir"
mkdir -p "$work_dir"

echo "== Prometheus scrape: $base_url/actuator/prometheus, query ${WARMTIER_SCRAPE_QUERY:-(default)}"
java -cp "target/test-classes:$(cat target/test-classpath.txt)" dev.warmtier.ops.PrometheusScrape \
  "$base_url" "$work_dir"
