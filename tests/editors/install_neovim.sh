#!/usr/bin/env bash
# Installs Debian's neovim for tests/test_neovim.py (called from .ci/run). Without root or apt-get
# it only warns: the Neovim tests then skip and say why.
set -euo pipefail
if command -v nvim >/dev/null 2>&1; then
  nvim --version | head -n 1
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "WARNING: nvim is missing and cannot be installed here (needs root and apt-get);" \
       "tests/test_neovim.py will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends neovim >/dev/null
nvim --version | head -n 1
