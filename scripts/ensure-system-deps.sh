#!/usr/bin/env bash
# The tests use real system programs that npm cannot install: Debian's Chromium (the docs portal's
# browser test; no browser download is possible on these machines), PostgreSQL (the second storage
# engine's tests start a throwaway cluster) and the Python Kubernetes client (run against the
# server as its users run it). Installs whatever is missing,
# in one apt-get run, so that `npm test` sets up a fresh machine by itself. `npm test` runs this
# first (its `pretest` script), once, rather than as a cached, parallel turbo task.
set -euo pipefail

missing=()
# CHROMIUM_PATH names another browser binary: then nothing is installed for it.
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
/usr/bin/python3 -c "import kubernetes" 2>/dev/null || missing+=(python3-kubernetes)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need these Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing from Debian's packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
