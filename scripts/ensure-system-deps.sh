#!/usr/bin/env bash
# The tests use real system programs that npm cannot install: Debian's Chromium (the docs portal's
# browser test; no browser download is possible on these machines). Installs whatever is missing,
# in one apt-get run, so that `npm test` sets up a fresh machine by itself. `npm test` runs this
# first (its `pretest` script), once, rather than as a cached, parallel turbo task.
set -euo pipefail

missing=()
# CHROMIUM_PATH names another browser binary: then nothing is installed for it.
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need these Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing from Debian's packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
