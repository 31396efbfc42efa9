#!/usr/bin/env bash
# The real-VS-Code test: installs the packaged dockls extension into a fresh code-server, opens a
# workspace with a Dockerfile that has known findings in headless Chromium, and checks the
# Problems panel, the hover on FROM and a quick fix applied through the UI (test.mjs).
# Runs setup.sh first (quick when everything is installed); its exit code 3, "cannot install",
# passes through.
#   DOCKLS_E2E_CACHE      tools, run directories (default <repo>/.e2e-cache)
#   DOCKLS_E2E_ARTIFACTS  screenshots, logs (default <cache>/artifacts)
#   DOCKLS_PYTHON         Python with dockls installed (default <repo>/.venv/bin/python, else python3)
#   DOCKLS_E2E_VSIX       test this .vsix instead of building vscode-extension/dockls.vsix
#   DOCKLS_E2E_HEADED=1   show the browser (needs a display)
#   DOCKLS_E2E_KEEP_OPEN=1  keep code-server up after the test until Enter is pressed
set -euo pipefail

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
EXTENSION_DIR=$(dirname "$E2E_DIR")
REPO=$(dirname "$EXTENSION_DIR")
CACHE=${DOCKLS_E2E_CACHE:-$REPO/.e2e-cache}

milliseconds() { date +%s%3N; }
seconds_since() { local ms=$(( $(milliseconds) - $1 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
phase_start=$(milliseconds)
phase_done() {
  printf '== e2e: %-44s %6s s\n' "$1" "$(seconds_since "$phase_start")"
  phase_start=$(milliseconds)
}
fail() { echo "dockls VS Code e2e FAILED: $*" >&2; exit 1; }
total_start=$phase_start

bash "$E2E_DIR/setup.sh"
CACHE=$(cd "$CACHE" && pwd)
ARTIFACTS=${DOCKLS_E2E_ARTIFACTS:-$CACHE/artifacts}
CODE_SERVER=$CACHE/code-server/node_modules/.bin/code-server
# code-server's native modules are built for Node 20: setup.sh installed one when the system's is another
if [ "$(node -p 'process.versions.node.split(".")[0]')" != 20 ]; then
  node20=$(compgen -G "$CACHE/node20/node_modules/node/node_modules/node-linux-*/bin/node" | head -1) \
    || fail "no Node 20 in $CACHE/node20 (setup.sh installs it)"
  export PATH="$(dirname "$node20"):$PATH"
fi
phase_done "setup"

# --- the extension and the Python that runs dockls ------------------------------------------
if [ -n "${DOCKLS_E2E_VSIX:-}" ]; then
  VSIX=$(realpath "$DOCKLS_E2E_VSIX")
else
  VSIX=$EXTENSION_DIR/dockls.vsix
  if [ ! -f "$VSIX" ]; then
    ( cd "$EXTENSION_DIR" && npm ci --no-audit --no-fund && npm run package ) || fail "building $VSIX failed"
  fi
fi
[ -f "$VSIX" ] || fail "$VSIX does not exist"
if [ -n "${DOCKLS_PYTHON:-}" ]; then PYTHON=$DOCKLS_PYTHON
elif [ -x "$REPO/.venv/bin/python" ]; then PYTHON=$REPO/.venv/bin/python
else PYTHON=$(command -v python3)
fi
"$PYTHON" -c 'import dockls' 2>/dev/null || fail "$PYTHON cannot import dockls (set DOCKLS_PYTHON)"
phase_done "extension $(basename "$VSIX")"

# --- fresh directories, settings, workspace -------------------------------------------------
RUN=$CACHE/run
rm -rf "$RUN"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/*.log "$ARTIFACTS/timings.json"
mkdir -p "$RUN/user-data/User" "$RUN/extensions" "$RUN/xdg/config" "$RUN/xdg/data" "$RUN/xdg/cache" \
  "$RUN/tmp" "$RUN/workspace" "$ARTIFACTS"
# nothing is written to the home directory
export TMPDIR=$RUN/tmp XDG_CONFIG_HOME=$RUN/xdg/config XDG_DATA_HOME=$RUN/xdg/data XDG_CACHE_HOME=$RUN/xdg/cache
# the extension gallery (open-vsx.org by default) points at a closed loopback port
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item","resourceUrlTemplate":"http://127.0.0.1:9/res"}'

# Known findings: heavy-base-image (DKL022) and its hover, consecutive-run (DKL001) whose
# "Merge" fix is safe, dockerignore-missing (DKL052) for `COPY . .` without a .dockerignore.
DOCKERFILE=$RUN/workspace/Dockerfile
cat > "$DOCKERFILE" <<'DOCKERFILE_END'
FROM python:3.12
WORKDIR /app
RUN apt-get update
RUN pip install flask
COPY . .
CMD ["python", "app.py"]
DOCKERFILE_END

python3 - "$RUN/user-data/User/settings.json" "$PYTHON" <<'PY'
import json, sys
settings = {
    "dockls.interpreter": sys.argv[2],
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True,
    "update.mode": "none",
    "git.enabled": False,
    "chat.disableAIFeatures": True,
    "files.autoSave": "off",
    "editor.hover.delay": 300,
}
with open(sys.argv[1], "w") as out:
    json.dump(settings, out, indent=2)
PY
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# an explicit config file, so that code-server does not create one under XDG_CONFIG_HOME
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$RUN/config.yaml"
CODE_SERVER_ARGS=(--config "$RUN/config.yaml" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions")

"$CODE_SERVER" "${CODE_SERVER_ARGS[@]}" --install-extension "$VSIX" > "$ARTIFACTS/install-extension.log" 2>&1 \
  || { cat "$ARTIFACTS/install-extension.log"; fail "code-server --install-extension $VSIX failed"; }
"$CODE_SERVER" "${CODE_SERVER_ARGS[@]}" --list-extensions --show-versions
phase_done "fresh profile, extension installed"

# --- code-server ----------------------------------------------------------------------------
# Its own session and process group: stopping the group also stops the file watcher child,
# which survives as an orphan otherwise.
setsid "$CODE_SERVER" "${CODE_SERVER_ARGS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened "$RUN/workspace" > "$ARTIFACTS/code-server.log" 2>&1 &
CODE_SERVER_PID=$!
stop_code_server() {
  kill -- -"$CODE_SERVER_PID" 2>/dev/null || true
  wait "$CODE_SERVER_PID" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -g "$CODE_SERVER_PID" >/dev/null || return 0; sleep 0.5; done
  kill -KILL -- -"$CODE_SERVER_PID" 2>/dev/null || true
}
trap stop_code_server EXIT INT TERM
for _ in $(seq 1 600); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$CODE_SERVER_PID" 2>/dev/null || { cat "$ARTIFACTS/code-server.log"; fail "code-server exited"; }
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$ARTIFACTS/code-server.log"; fail "code-server did not start"; }
phase_done "code-server up on 127.0.0.1:$PORT"

# --- the browser test ----------------------------------------------------------------------
status=0
DOCKLS_E2E_URL="http://127.0.0.1:$PORT/?folder=$RUN/workspace" \
DOCKLS_E2E_PLAYWRIGHT_DIR=$CACHE/playwright \
DOCKLS_E2E_ARTIFACTS=$ARTIFACTS \
DOCKLS_E2E_DOCKERFILE=$DOCKERFILE \
DOCKLS_E2E_BROWSER_PROFILE=$RUN/browser-profile \
  node "$E2E_DIR/test.mjs" || status=$?
phase_done "browser test"
if [ "${DOCKLS_E2E_KEEP_OPEN:-}" = 1 ]; then
  echo "code-server stays up at http://127.0.0.1:$PORT/?folder=$RUN/workspace — press Enter to stop it"
  read -r _
fi
stop_code_server
trap - EXIT INT TERM

# the extension host's and the language client's logs help when a check failed
find "$RUN/user-data/logs" -type f \( -name remoteexthost.log -o -name remoteagent.log -o -name '*dockls*' \) \
  -exec cp {} "$ARTIFACTS/" \; 2>/dev/null || true
if [ "$status" != 0 ]; then
  for log in "$ARTIFACTS"/*.log; do echo "--- $log"; tail -30 "$log"; done
  fail "a check failed (exit $status); screenshots and logs in $ARTIFACTS"
fi
if [ -z "${DOCKLS_E2E_VSIX:-}" ]; then
  # the Marketplace README shows these two
  mkdir -p "$EXTENSION_DIR/images"
  cp "$ARTIFACTS/problems.png" "$EXTENSION_DIR/images/problems.png"
  cp "$ARTIFACTS/hover.png" "$EXTENSION_DIR/images/hover.png"
fi
echo "== e2e: passed in $(seconds_since "$total_start") s; screenshots in $ARTIFACTS"
