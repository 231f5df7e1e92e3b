#!/usr/bin/env bash
# Hosts' own CLIs against the README, run by .ci/run (any failure fails the run):
#   1. `uv lock --check`: the uv.lock the bundle ships (and starts with `uv run --frozen`) matches pyproject.toml;
#   2. the README's `claude mcp add ...` and `copilot mcp add ...` lines for the local server, run as written
#      (with a dummy SYNC_API_KEY in the shell) by Claude Code and GitHub Copilot CLI from npm, pinned, in a
#      throwaway home folder: each CLI must then show the server with its command and the key in its env, and
#      Claude Code must start `sync-mcp` (this venv's) and connect to it; the README's `--scope project` line,
#      run as written in another project folder, must leave a `.mcp.json` that holds `${SYNC_API_KEY}` and not
#      the key;
#   3. the README's remote lines, the example URL replaced by a local deployment with OAuth on (sync-mcp
#      --transport http, SYNC_MCP_AUTH=oauth, against a local sandbox): Claude Code must find the server's OAuth
#      metadata and report that it needs authentication; Copilot CLI must record the server.
# Needs the project installed in the active Python (as .ci/run does). Without npm, steps 2-3 are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$(command -v python)"
CLAUDE_CODE_VERSION=2.1.328
COPILOT_VERSION=1.0.102
EXAMPLE_URL="https://mcp.example.com/mcp"
tmp="$(mktemp -d)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
# expect FILE TEXT...: every TEXT must appear in FILE.
expect() {
  local file=$1; shift
  for text in "$@"; do grep -qF -- "$text" "$file" || { cat "$file"; fail "expected '$text'"; }; done
}
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for URL: until it answers 2xx (10 s at most).
wait_for() {
  "$PY" - "$1" <<'EOF'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"FAIL: {sys.argv[1]} did not answer")
EOF
}
# readme_lines PATTERN: the README's shell lines starting with PATTERN (inside ```bash blocks), one per line.
readme_lines() {
  "$PY" - "$1" <<'EOF'
import re, sys
readme = open("README.md", encoding="utf-8").read()
for block in re.findall(r"```bash\n(.*?)```", readme, re.S):
    for line in block.splitlines():
        if line.startswith(sys.argv[1]):
            print(line)
EOF
}

# --- 1. the bundle's lock file ------------------------------------------------------------------------------
step "uv lock --check"
"$PY" -m pip install -qq uv
uv lock --check

if ! command -v npm >/dev/null 2>&1; then
  echo
  echo "SKIP: npm not found, so Claude Code and GitHub Copilot CLI cannot be installed: the README's host commands"
  echo "      were NOT run."
  exit 0
fi

step "Claude Code $CLAUDE_CODE_VERSION and GitHub Copilot CLI $COPILOT_VERSION from npm"
npm install --prefix "$tmp/npm" --no-audit --no-fund --loglevel=error \
  "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" "@github/copilot@$COPILOT_VERSION"
mkdir -p "$tmp/bin"
ln -s "$tmp/npm/node_modules/.bin/claude" "$tmp/bin/claude"
ln -s "$tmp/npm/node_modules/.bin/copilot" "$tmp/bin/copilot"
export PATH="$tmp/bin:$PATH"
export DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
claude --version
copilot --version | head -n 1

# run_in_home NAME LINE...: each line, as written, in a fresh home folder (and its project folder) named NAME.
run_in_home() {
  local name=$1; shift
  export HOME="$tmp/$name"
  mkdir -p "$HOME/project"
  cd "$HOME/project"
  for line in "$@"; do
    echo "\$ $line"
    eval "timeout 120 $line" > "$tmp/$name.add.txt" 2>&1 || { cat "$tmp/$name.add.txt"; fail "$line"; }
  done
}

# --- 2. the local (stdio) commands, as written ---------------------------------------------------------------
step "README: claude mcp add / copilot mcp add (local)"
mapfile -t local_lines < <(readme_lines "claude mcp add" | grep -F -- " -- " | grep -vF -- "--scope project"; readme_lines "copilot mcp add" | grep -F -- " -- ")
[[ ${#local_lines[@]} -eq 2 ]] || fail "expected one local claude and one local copilot line in the README, got: ${local_lines[*]}"
export SYNC_API_KEY="sk-ci-readme-$("$PY" -c 'import secrets; print(secrets.token_hex(6))')"
run_in_home local "${local_lines[@]}"
timeout 120 claude mcp get sync > "$tmp/claude-get.txt" 2>&1 || { cat "$tmp/claude-get.txt"; fail "claude mcp get sync"; }
expect "$tmp/claude-get.txt" "Connected" "Type: stdio" "Command: sync-mcp" "SYNC_API_KEY=$SYNC_API_KEY"
timeout 120 copilot mcp get sync > "$tmp/copilot-get.txt" 2>&1 || { cat "$tmp/copilot-get.txt"; fail "copilot mcp get sync"; }
expect "$tmp/copilot-get.txt" "Command: sync-mcp" "SYNC_API_KEY"
sed -n '1,4p' "$tmp/claude-get.txt"
cd "$ROOT"

step "README: claude mcp add --scope project (a shared .mcp.json holds no key)"
mapfile -t project_lines < <(readme_lines "claude mcp add" | grep -F -- "--scope project")
[[ ${#project_lines[@]} -eq 1 ]] || fail "expected one --scope project line in the README, got: ${project_lines[*]}"
run_in_home project "${project_lines[@]}"
[[ -f .mcp.json ]] || fail "--scope project wrote no .mcp.json"
if grep -qF -- "$SYNC_API_KEY" .mcp.json; then cat .mcp.json; fail ".mcp.json holds the key"; fi
"$PY" - <<'EOF'
import json, sys
server = json.load(open(".mcp.json", encoding="utf-8"))["mcpServers"]["sync"]
if server.get("command") != "sync-mcp" or server.get("env") != {"SYNC_API_KEY": "${SYNC_API_KEY}"}:
    sys.exit(f"FAIL: .mcp.json: {server}")
EOF
echo "ok: .mcp.json names \${SYNC_API_KEY}, not the key"
cd "$ROOT"

# --- 3. the remote commands against a local OAuth deployment -----------------------------------------------
step "a local deployment with OAuth on"
sandbox_port="$(free_port)"
"$PY" -m sync_mcp sandbox --host 127.0.0.1 --port "$sandbox_port" --api-key "sk-ci-sandbox-hosts" \
  2> "$tmp/sandbox.log" &
pids+=($!)
wait_for "http://127.0.0.1:$sandbox_port/v2/errors"
port="$(free_port)"
url="http://127.0.0.1:$port"
SYNC_API_KEY="" SYNC_BASE_URL="http://127.0.0.1:$sandbox_port" SYNC_MCP_AUTH=oauth SYNC_MCP_PUBLIC_URL="$url" \
  SYNC_MCP_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  "$PY" -m sync_mcp --transport http --host 127.0.0.1 --port "$port" 2> "$tmp/server.log" &
pids+=($!)
wait_for "$url/.well-known/oauth-protected-resource/mcp" || { cat "$tmp/server.log"; exit 1; }
echo "$url/mcp"

step "README: claude mcp add / copilot mcp add --transport http (remote, OAuth)"
mapfile -t remote_lines < <(readme_lines "claude mcp add" | grep -F -- "$EXAMPLE_URL"; readme_lines "copilot mcp add" | grep -F -- "$EXAMPLE_URL")
[[ ${#remote_lines[@]} -eq 2 ]] || fail "expected one remote claude and one remote copilot line in the README, got: ${remote_lines[*]}"
run_in_home remote "${remote_lines[@]//"$EXAMPLE_URL"/"$url/mcp"}"
timeout 120 claude mcp get sync > "$tmp/claude-remote.txt" 2>&1 || { cat "$tmp/claude-remote.txt"; fail "claude mcp get sync"; }
expect "$tmp/claude-remote.txt" "Needs authentication" "Type: http" "URL: $url/mcp"
timeout 120 copilot mcp get sync > "$tmp/copilot-remote.txt" 2>&1 || { cat "$tmp/copilot-remote.txt"; fail "copilot mcp get sync"; }
expect "$tmp/copilot-remote.txt" "Type: http" "URL: $url/mcp"
grep -q '"GET /.well-known/oauth-authorization-server' "$tmp/server.log" \
  || { cat "$tmp/server.log"; fail "Claude Code did not read the authorization-server metadata"; }
sed -n '1,4p' "$tmp/claude-remote.txt"
cd "$ROOT"
echo
echo "hosts: the README's Claude Code and Copilot CLI commands work as written"
