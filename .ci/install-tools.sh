#!/usr/bin/env bash
# Installs what .ci/run needs besides the JDK, idempotently and quietly:
#   - Debian's chromium and chromedriver, for SwaggerUiBrowserTests (part of ./mvnw verify);
#   - Spectral and httpyac, pinned in .ci/node/package-lock.json, into .ci/node/node_modules
#     (git-ignored; nothing is installed globally).
# No tool downloads a browser or driver of its own: the network here has only Debian,
# Maven Central and the npm registry.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "chromium and chromedriver already installed"
else
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo -n)
  fi
  echo "installing chromium and chromium-driver from Debian"
  apt_log="$(mktemp)"
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update \
      && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y \
        --no-install-recommends chromium chromium-driver; } > "$apt_log" 2>&1; then
    cat "$apt_log" >&2
    echo "apt-get failed (log above)" >&2
    exit 1
  fi
  rm -f "$apt_log"
fi
# Debian's chromium launcher script complains on stderr where /dev/shm is mounted twice (as
# here): its free-space test sees two numbers. Harmless: the browser test passes
# --disable-dev-shm-usage itself. So only stdout, the version, is shown.
/usr/bin/chromium --version 2> /dev/null
/usr/bin/chromedriver --version

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
