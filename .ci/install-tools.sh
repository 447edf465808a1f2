#!/usr/bin/env bash
# Installs what .ci/run needs besides the JDK, idempotently and quietly:
#   - Debian's chromium and chromedriver, for SwaggerUiBrowserTests (part of ./mvnw verify);
#   - Debian's prometheus (prometheus and promtool), for PrometheusScrapeTests (part of verify) and
#     .ci/prometheus-scrape.sh; its systemd unit is never used (the tests run the binary themselves);
#   - Spectral and httpyac, pinned in .ci/node/package-lock.json, into .ci/node/node_modules
#     (git-ignored; nothing is installed globally).
# No tool downloads a browser or driver of its own: the network here has only Debian,
# Maven Central and the npm registry.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# apt_install PACKAGE...: installs Debian packages quietly, printing apt's log only if it fails.
apt_install() {
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo -n)
  fi
  echo "installing $* from Debian"
  local apt_log
  apt_log="$(mktemp)"
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update \
      && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y \
        --no-install-recommends "$@"; } > "$apt_log" 2>&1; then
    cat "$apt_log" >&2
    echo "apt-get failed (log above)" >&2
    exit 1
  fi
  rm -f "$apt_log"
}

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "chromium and chromedriver already installed"
else
  apt_install chromium chromium-driver
fi
# Debian's chromium launcher script complains on stderr where /dev/shm is mounted twice (as
# here): its free-space test sees two numbers. Harmless: the browser test passes
# --disable-dev-shm-usage itself. So only stdout, the version, is shown.
/usr/bin/chromium --version 2> /dev/null
/usr/bin/chromedriver --version

# Where no systemd runs (containers, CI) the package's postinst cannot start its service; where
# one does, that service listens on :9090 and does not disturb ours (loopback, a port the OS picks).
if [[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]]; then
  echo "prometheus and promtool already installed"
else
  apt_install prometheus
fi
# Both print a build summary; its first line is the version.
for tool in prometheus promtool; do
  version="$("/usr/bin/$tool" --version 2>&1)"
  echo "${version%%$'\n'*}"
done

# npm ci wipes and rebuilds node_modules, so it only runs when the lock file changed since the
# last install (or nothing is installed yet).
node_dir=.ci/node
stamp="$node_dir/node_modules/.installed-lock.sha256"
lock_sum="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
  echo "npm tools already installed"
else
  echo "installing npm tools into $node_dir/node_modules"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
fi
echo "spectral $("$node_dir/node_modules/.bin/spectral" --version)"
echo "httpyac $("$node_dir/node_modules/.bin/httpyac" --version)"
