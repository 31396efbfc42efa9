#!/usr/bin/env bash
# Installs what the real-VS-Code test (run.sh) needs; idempotent, quick when everything is there.
#   Debian: chromium (driven headless), libkrb5-dev (code-server's native `kerberos` module),
#           ripgrep (stands in for @vscode/ripgrep's GitHub download)
#   npm, into $DOCKLS_E2E_CACHE (default <repo>/.e2e-cache): code-server and playwright-core
# Exit codes: 0 ready; 3 the tools cannot be installed here (no apt, no registry access, no node)
# — the caller should skip the test loudly; anything else is a real failure.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${DOCKLS_E2E_CACHE:-$REPO/.e2e-cache}
# code-server 4.100.3 (VS Code 1.100.3) is the newest whose engines accept Node 20; the test
# reads VS Code's page structure, so the version is pinned.
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
# @vscode/ripgrep version bundled in code-server 4.100.3 and the ripgrep release tag its
# postinstall downloads (lib/vscode's package.json, @vscode/ripgrep's lib/postinstall.js).
RIPGREP_PACKAGE_VERSION=1.15.11
RIPGREP_TAG=v13.0.0-10

cannot_install() {
  echo >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! dockls VS Code e2e: cannot install its tools: $*" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exit 3
}
phase_start=$(date +%s)
phase() { echo "== e2e setup: $* ($(( $(date +%s) - phase_start )) s so far)"; }

mkdir -p "$CACHE/tmp" "$CACHE/npm-cache"
CACHE=$(cd "$CACHE" && pwd)
# keep npm's cache and every temporary file inside the cache directory
export npm_config_cache="$CACHE/npm-cache" TMPDIR="$CACHE/tmp"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

command -v node >/dev/null && command -v npm >/dev/null || cannot_install "node/npm not on PATH"
case $(uname -m) in
  x86_64) RIPGREP_TARGET=x86_64-unknown-linux-musl ;;
  aarch64) RIPGREP_TARGET=aarch64-unknown-linux-musl ;;
  *) cannot_install "no ripgrep target known for $(uname -m)" ;;
esac

# An npm install failed: without registry access the test cannot run here (exit 3), with it
# the failure is real (exit 1).
npm_failed() {
  local log=$1
  tail -40 "$log" >&2
  npm ping >/dev/null 2>&1 || cannot_install "the npm registry is unreachable"
  echo "e2e setup: npm install failed with the registry reachable; see $log" >&2
  exit 1
}

# --- Debian packages -----------------------------------------------------------------------
missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg >/dev/null || missing+=(ripgrep)
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v g++ >/dev/null && command -v make >/dev/null || missing+=(build-essential)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  phase "installing Debian packages: ${missing[*]}"
  command -v apt-get >/dev/null || cannot_install "apt-get not available to install ${missing[*]}"
  [ "$(id -u)" = 0 ] || cannot_install "not root: cannot apt-get install ${missing[*]}"
  apt-get update -qq || cannot_install "apt-get update failed (no access to the Debian mirrors?)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || cannot_install "apt-get install ${missing[*]} failed"
fi


# --- Node 20 ------------------------------------------------------------------------------
# code-server 4.100.3's postinstall insists on Node 20 and run.sh starts it with the first node
# on PATH. Another Node gets a Node 20 from the npm package "node" (binary and headers), which
# run.sh then puts first on PATH.
NODE20_DIR=$CACHE/node20
if [ "$(node -p 'process.versions.node.split(".")[0]')" != 20 ]; then
  if ! compgen -G "$NODE20_DIR/node_modules/node/node_modules/node-linux-*/bin/node" >/dev/null; then
    phase "installing Node 20 from npm (the system's is $(node -v))"
    mkdir -p "$NODE20_DIR" && echo '{"name":"dockls-e2e-node20","private":true}' > "$NODE20_DIR/package.json"
    ( cd "$NODE20_DIR" && npm install node@20 ) > "$CACHE/node20-install.log" 2>&1 \
      || npm_failed "$CACHE/node20-install.log"
  fi
  node_home=$(dirname "$(dirname "$(compgen -G "$NODE20_DIR/node_modules/node/node_modules/node-linux-*/bin/node" | head -1)")")
  # node-gyp compiles against these headers instead of downloading them from nodejs.org
  export PATH="$node_home/bin:$PATH" npm_config_nodedir=$node_home
fi

# --- code-server ---------------------------------------------------------------------------
CODE_SERVER_DIR=$CACHE/code-server
installed_code_server=$(node -p "try { require('$CODE_SERVER_DIR/node_modules/code-server/package.json').version } catch { '' }")
if [ "$installed_code_server" != "$CODE_SERVER_VERSION" ] || [ ! -x "$CODE_SERVER_DIR/node_modules/.bin/code-server" ]; then
  phase "installing code-server $CODE_SERVER_VERSION (compiles native modules; a few minutes)"
  # @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache
  # (os.tmpdir()/vscode-ripgrep-cache-<version>/ripgrep-<tag>-<target>.tar.gz) already holds it.
  seed=$TMPDIR/ripgrep-seed
  rm -rf "$seed" && mkdir -p "$seed" && cp "$(command -v rg)" "$seed/rg"
  ripgrep_cache=$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION
  mkdir -p "$ripgrep_cache"
  tar czf "$ripgrep_cache/ripgrep-$RIPGREP_TAG-$RIPGREP_TARGET.tar.gz" -C "$seed" rg
  rm -rf "$CODE_SERVER_DIR" && mkdir -p "$CODE_SERVER_DIR"
  echo '{"name":"dockls-e2e-code-server","private":true}' > "$CODE_SERVER_DIR/package.json"
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp`, which aborts without a TTY.
  # unsafe-perm: code-server's postinstall refuses to run as root without it (npm 11 calls the
  # flag unknown but still forwards it; the variable covers a later npm that does not).
  ( cd "$CODE_SERVER_DIR" && npm_config_yes=true npm_config_unsafe_perm=true \
      npm install --unsafe-perm --foreground-scripts "code-server@$CODE_SERVER_VERSION" ) \
      > "$CACHE/code-server-install.log" 2>&1 || npm_failed "$CACHE/code-server-install.log"
fi

# --- playwright-core -----------------------------------------------------------------------
PLAYWRIGHT_DIR=$CACHE/playwright
installed_playwright=$(node -p "try { require('$PLAYWRIGHT_DIR/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$installed_playwright" != "$PLAYWRIGHT_VERSION" ]; then
  phase "installing playwright-core $PLAYWRIGHT_VERSION"
  mkdir -p "$PLAYWRIGHT_DIR"
  echo '{"name":"dockls-e2e-playwright","private":true}' > "$PLAYWRIGHT_DIR/package.json"
  ( cd "$PLAYWRIGHT_DIR" && npm install "playwright-core@$PLAYWRIGHT_VERSION" ) \
      > "$CACHE/playwright-install.log" 2>&1 || npm_failed "$CACHE/playwright-install.log"
fi

phase "ready: code-server $CODE_SERVER_VERSION, playwright-core $PLAYWRIGHT_VERSION, $(/usr/bin/chromium --version 2>/dev/null || echo chromium) in $CACHE"
