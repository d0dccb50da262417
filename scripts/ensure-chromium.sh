#!/usr/bin/env bash
# The docs portal's browser test drives Debian's Chromium (no browser download is possible on
# these machines). Installs it when it is missing, so that `npm ci && npm test` sets up a fresh
# machine by itself; needs root, as apt-get does.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the docs browser test needs Chromium: run 'sudo apt-get install chromium'" >&2
  exit 1
fi
echo "installing chromium from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
