#!/usr/bin/env bash
# Usage: ensure-debian-packages.sh COMMAND PACKAGE [PACKAGE ...]
# Installs the Debian packages when COMMAND is missing and we may (root with apt-get); otherwise
# says so, and whatever needs COMMAND reports it (browser tests are skipped with that reason).
set -euo pipefail
command_name=$1
shift
if command -v "$command_name" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing $* (Debian packages) for $command_name..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
  echo "$command_name is missing and cannot be installed here: install the packages $*." >&2
fi
