#!/usr/bin/env bash
# Installs what building the package needs and a fresh Debian machine may lack:
# PCRE2's headers and pkg-config file (libpcre2-dev) and pkg-config itself.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libpcre2-8; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: libpcre2-dev is missing and this user cannot install it (run as root or install sudo)" >&2
    exit 1
  fi
fi
echo "installing libpcre2-dev and pkg-config..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libpcre2-dev pkg-config >/dev/null
pkg-config --exists libpcre2-8
