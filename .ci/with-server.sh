#!/usr/bin/env bash
# Usage: .ci/with-server.sh COMMAND [ARG...]
#
# Runs COMMAND against the packaged service: starts target/warmtier-*.jar (built by
# ./mvnw verify) on a port the OS picks, with a fresh temporary data dir, waits (at most
# $WARMTIER_START_TIMEOUT seconds, default 60) until /actuator/health is UP, runs COMMAND with
# WARMTIER_BASE_URL=http://127.0.0.1:PORT in its environment, and always stops the server
# afterwards (SIGTERM, so spaces close cleanly; SIGKILL if it is still alive after 30 s).
# Exits with COMMAND's status, or 1 when COMMAND passed but the server's shutdown failed (an exit
# status other than 0 or SIGTERM's 143, a kill, no "Closed all spaces" in its log, or a server that
# ended on its own); if anything failed, prints the tail of the server log
# (kept whole in target/ci-server.log).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

# The repackaged, runnable jar: the plain one Maven keeps beside it is *.jar.original.
shopt -s nullglob
jars=()
for jar in target/warmtier-*.jar; do
  [[ "$jar" == *.original ]] || jars+=("$jar")
done
shopt -u nullglob
if [[ ${#jars[@]} -ne 1 ]]; then
  echo "expected exactly one target/warmtier-*.jar (run ./mvnw verify first), found: ${jars[*]:-none}" >&2
  exit 1
fi
jar="${jars[0]}"

server_log=target/ci-server.log
data_dir="$(mktemp -d -t warmtier-ci-data.XXXXXX)"
server_pid=""

stop_server() {
  local status=$?
  if [[ -n "$server_pid" ]]; then
    local stopped_by_us=0 killed=0 server_status=0
    if kill -0 "$server_pid" 2> /dev/null; then
      echo "stopping the server (pid $server_pid)"
      stopped_by_us=1
      kill -TERM "$server_pid" 2> /dev/null || true
      local deadline=$((SECONDS + 30))
      while kill -0 "$server_pid" 2> /dev/null && ((SECONDS < deadline)); do
        sleep 0.2
      done
      if kill -0 "$server_pid" 2> /dev/null; then
        echo "the server did not stop within 30 s of SIGTERM: killing it" >&2
        kill -KILL "$server_pid" 2> /dev/null || true
        killed=1
      fi
    fi
    wait "$server_pid" 2> /dev/null || server_status=$?
    # A JVM ended by our SIGTERM exits 143 once its shutdown hooks ran, even when a space failed to
    # close (Spring logs that and goes on), so the log must also say every space closed.
    if ((!stopped_by_us)); then
      echo "the server ended on its own (exit status $server_status)" >&2
      ((status != 0)) || status=1
    elif ((killed)) || [[ $server_status -ne 0 && $server_status -ne 143 ]]; then
      echo "the server's shutdown failed (exit status $server_status)" >&2
      ((status != 0)) || status=1
    elif ! grep -q 'Closed all spaces in' "$server_log"; then
      echo "the server exited ($server_status) without logging that every space closed" >&2
      ((status != 0)) || status=1
    else
      echo "the server stopped cleanly (exit status $server_status, every space closed)"
    fi
  fi
  rm -rf "$data_dir"
  if [[ $status -ne 0 ]]; then
    echo "---- last 80 lines of $server_log (exit status $status) ----" >&2
    tail -n 80 "$server_log" >&2 || true
    echo "---- end of $server_log ----" >&2
  fi
  exit "$status"
}
trap stop_server EXIT

echo "starting $jar (data dir $data_dir, log $server_log)"
java -XX:+ExitOnOutOfMemoryError --add-modules jdk.incubator.vector -jar "$jar" --server.port=0 --warmtier.data-dir="$data_dir" < /dev/null > "$server_log" 2>&1 &
server_pid=$!

# Port 0 lets the OS pick a free port, race-free; Tomcat logs the one it got.
timeout="${WARMTIER_START_TIMEOUT:-60}"
deadline=$((SECONDS + timeout))
port=""
base_url=""
until [[ -n "$base_url" ]] && curl -fsS --max-time 2 "$base_url/actuator/health" 2> /dev/null | grep -q '"status":"UP"'; do
  if ! kill -0 "$server_pid" 2> /dev/null; then
    echo "the server exited during startup" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "the server was not UP within ${timeout} s" >&2
    exit 1
  fi
  if [[ -z "$port" ]]; then
    port="$(sed -n 's/.*Tomcat started on port \([0-9][0-9]*\).*/\1/p' "$server_log" | head -n 1)"
    [[ -n "$port" ]] && base_url="http://127.0.0.1:$port"
  fi
  sleep 0.5
done
echo "server UP at $base_url (pid $server_pid, $((SECONDS + timeout - deadline)) s)"

WARMTIER_BASE_URL="$base_url" "$@"
