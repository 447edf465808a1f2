#!/usr/bin/env bash
# Drives a running service at $WARMTIER_BASE_URL with real clients (run it through
# .ci/with-server.sh, which sets that variable):
#   1. Spectral lints the served OpenAPI document (/v3/api-docs) with .spectral.yaml:
#      any error fails, warnings are printed;
#   2. httpyac sends every request of every http-tests/*.http file: a failed client.test /
#      client.assert, a request error, or no .http file at all fails.
# Tools come from .ci/node/node_modules (.ci/install-tools.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

base_url="${WARMTIER_BASE_URL:?set WARMTIER_BASE_URL (use .ci/with-server.sh)}"
bin=.ci/node/node_modules/.bin
mkdir -p target

echo "== Spectral: $base_url/v3/api-docs"
curl -fsS --max-time 30 "$base_url/v3/api-docs" -o target/api-docs.json
"$bin/spectral" lint target/api-docs.json --ruleset .spectral.yaml --fail-severity error

echo "== httpyac: http-tests/*.http"
shopt -s nullglob
http_files=(http-tests/*.http)
shopt -u nullglob
# httpyac exits 0 when its glob matches nothing, so an emptied folder must not pass silently.
if [[ ${#http_files[@]} -eq 0 ]]; then
  echo "no http-tests/*.http files: nothing would be tested" >&2
  exit 1
fi
# httpyac 6.16.7 exits 20 when a test fails and 10 when a request or script errors; the
# summary line is checked as well, so a change in that behaviour cannot turn failures green.
httpyac_out="$(mktemp)"
status=0
"$bin/httpyac" send "${http_files[@]}" --all --env ci --var "baseUrl=$base_url" \
  --output short --output-failed exchange --no-color 2>&1 | tee "$httpyac_out" || status=$?
summary="$(grep -E '^[0-9]+ requests? processed' "$httpyac_out" | tail -n 1 || true)"
rm -f "$httpyac_out"
if [[ $status -ne 0 ]]; then
  echo "httpyac failed (exit status $status): $summary" >&2
  exit 1
fi
if ! [[ "$summary" =~ ^([1-9][0-9]*)\ requests?\ processed\ \(([0-9]+)\ succeeded\)$ ]] \
    || [[ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]]; then
  echo "httpyac exited 0 but its summary is not 'N requests processed (N succeeded)': '$summary'" >&2
  exit 1
fi
echo "httpyac: ${#http_files[@]} file(s), $summary"
