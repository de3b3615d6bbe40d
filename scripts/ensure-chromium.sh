#!/usr/bin/env bash
# Browser tests drive Debian's Chromium headless. Install it when missing and we may (root);
# otherwise say so: the browser tests are then skipped with that reason.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the browser tests (Debian packages chromium, chromium-driver)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "Chromium is missing and cannot be installed here: install chromium and chromium-driver." >&2
fi
