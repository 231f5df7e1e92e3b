#!/usr/bin/env bash
# Black-box checks with tools nobody here wrote, run by .ci/run after pytest (any failure fails the run):
#   1. packaging: the wheel runs through `pipx run` and `uvx` (both installed from PyPI into this venv);
#   2. the MCP bundle: `mcpb validate` + `mcpb pack` (npm @anthropic-ai/mcpb), then the packed bundle is
#      unpacked and launched the way a host does (uv run, per manifest mcp_config) and must list its tools;
#   3. the MCP Inspector CLI (npm @modelcontextprotocol/inspector, --cli) against `python -m sync_mcp` over
#      stdio, talking to a local `sync-mcp sandbox`: tools/list (--strict: no schema portability findings),
#      list_error_codes, create_generation, get_generation (wait); every error path exits 5 (a tool error) with
#      the error object and no client-side validation error; an unknown tool exits 5;
#   4. the TypeScript SDK client (npm @modelcontextprotocol/sdk, .ci/judges/sweep.mjs) over stdio and over
#      Streamable HTTP: every tool succeeds once and passes the client's own output-schema check; every error
#      path returns isError with the error object; unknown tools and prompts are -32602;
#   5. the MCP conformance suite (npm @modelcontextprotocol/conformance, .ci/judges/conformance.mjs) against
#      `--transport http`, with the expected failures of .ci/judges/conformance-baseline.yml.
# Needs the project installed in the active Python (as .ci/run does). The npm tools are pinned in
# .ci/judges/package.json and installed into .ci/judges/node_modules (git-ignored). They want Node >= 22.19,
# so an older machine Node gets a pinned one from the npm registry into .ci/.node (git-ignored).
# Without npm, steps 2-5 are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$(command -v python)"
NODE_DIR="$ROOT/.ci/.node"
NODE_VERSION=22.23.3  # used only when the machine's Node is older than 22.19
JUDGES="$ROOT/.ci/judges"
KEY="sk-ci-sandbox-$("$PY" -c 'import secrets; print(secrets.token_hex(8))')"  # a sandbox key, not a Sync key
tmp="$(mktemp -d)"
sandbox_pid=""
http_pid=""

stop() {
  if [[ -n "$1" ]]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi
}
cleanup() {
  stop "$http_pid"
  stop "$sandbox_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
# check FILE PYTHON-EXPRESSION...: the JSON in FILE is `d` (manifest.json is `m`); every expression must hold.
check() {
  "$PY" - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
m = json.load(open("manifest.json", encoding="utf-8"))
for expr in sys.argv[2:]:
    if not eval(expr, {"d": d, "m": m, "json": json}):
        sys.exit(f"FAIL: {expr}\n{json.dumps(d)[:2000]}")
EOF
}
# creates: how many POST /v2/generate the sandbox has received (its request log, /_sandbox/requests).
creates() {
  "$PY" - "$url" "$KEY" <<'EOF'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/_sandbox/requests", headers={"x-api-key": sys.argv[2]})
log = json.load(urllib.request.urlopen(request, timeout=10))
print(sum(1 for r in log if r["method"] == "POST" and r["path"] == "/v2/generate"))
EOF
}

# --- 1. packaging -------------------------------------------------------------------------------------------
step "build the wheel"
"$PY" -m pip wheel --no-deps --quiet . -w "$tmp/dist"
wheel="$(ls "$tmp"/dist/sync_mcp-*.whl)"
version="$("$PY" -c 'import sync_mcp; print(sync_mcp.__version__)')"
echo "$wheel"

step "pipx run --spec <wheel> sync-mcp --help"
"$PY" -m pip install -qq pipx uv
PIPX_HOME="$tmp/pipx" PIPX_BIN_DIR="$tmp/pipx/bin" "$PY" -m pipx run --spec "$wheel" sync-mcp --help > "$tmp/pipx.txt"
grep -q "sandbox" "$tmp/pipx.txt" || fail "pipx run: unexpected help: $(cat "$tmp/pipx.txt")"
echo "ok"

step "uvx --from <wheel> sync-mcp --version"
out="$(uvx --quiet --from "$wheel" sync-mcp --version)"
[[ "$out" == "sync-mcp $version" ]] || fail "uvx: '$out'"
echo "$out"

if ! command -v npm >/dev/null 2>&1; then
  echo
  echo "SKIP: npm not found, so the MCPB CLI, the MCP Inspector, the TypeScript SDK and the conformance suite"
  echo "      (npm packages) cannot be installed: manifest validation, bundle packing, the Inspector, the SDK"
  echo "      client sweep and the conformance scenarios were NOT run."
  exit 0
fi

# --- Node >= 22.19 and the npm tools (.ci/judges/package.json) ----------------------------------------------
node_ok() {
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'
}
step "node and npm tools"
if command -v node >/dev/null 2>&1 && node_ok node; then
  node_bin="$(dirname "$(command -v node)")"
else
  echo "machine node $(node --version 2>/dev/null || echo absent) is older than 22.19: installing node@$NODE_VERSION into .ci/.node"
  npm install --prefix "$NODE_DIR" --no-package-lock --no-audit --no-fund --loglevel=error "node@$NODE_VERSION"
  node_bin="$NODE_DIR/node_modules/node/bin"
  node_ok "$node_bin/node" || fail "node from npm is $("$node_bin/node" --version), need >= 22.19"
fi
export PATH="$node_bin:$PATH"
# Exact versions, no lockfile (package.json pins every tool; `overrides` pins the SDK the suite runs on too).
npm install --prefix "$JUDGES" --no-package-lock --no-audit --no-fund --loglevel=error
MCPB="$JUDGES/node_modules/.bin/mcpb"
INSPECTOR="$JUDGES/node_modules/.bin/mcp-inspector"
node -e 'const d = require(process.argv[1]).dependencies;
  console.log(`node ${process.version}, ` + Object.entries(d).map(([n, v]) => `${n} ${v}`).join(", "))' \
  "$JUDGES/package.json"

# --- 2. the MCP bundle --------------------------------------------------------------------------------------
step "mcpb validate manifest.json"
"$MCPB" validate manifest.json

step "mcpb pack"
"$MCPB" pack . "$tmp/sync-mcp.mcpb" > "$tmp/pack.txt" || { cat "$tmp/pack.txt"; fail "mcpb pack"; }
tail -n 12 "$tmp/pack.txt"
"$PY" - "$tmp/sync-mcp.mcpb" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {"manifest.json", "icon.png", "main.py", "pyproject.toml", "README.md", "LICENSE", "src/sync_mcp/__init__.py",
        "src/sync_mcp/api/data/error_catalog.json"}
if need - names:
    sys.exit(f"FAIL: the bundle lacks {sorted(need - names)}")
junk = sorted(n for n in names if n.startswith(("tests/", ".ci/", ".git/", "bench/", "scripts/", ".venv/"))
              or "__pycache__" in n or n.endswith(".pyc"))
if junk:
    sys.exit(f"FAIL: the bundle carries {junk[:10]} (see .mcpbignore)")
print(f"bundle: {len(names)} files, nothing from tests, CI or caches")
EOF

step "start a local sandbox API"
port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
"$PY" -m sync_mcp sandbox --host 127.0.0.1 --port "$port" --api-key "$KEY" \
  --pending-seconds 0.2 --processing-seconds 0.5 --processing-per-output-second 0 --dialogue-edit 2> "$tmp/sandbox.log" &
sandbox_pid=$!
"$PY" - "$url" <<'EOF'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/v2/errors", timeout=1).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("FAIL: the sandbox did not start")
EOF
echo "$url"

step "launch the packed bundle as a host does (uv run, manifest mcp_config)"
"$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$tmp/sync-mcp.mcpb" "$tmp/bundle"
"$PY" .ci/launch_bundle.py "$tmp/bundle" "api_key=$KEY" "toolsets=all" --env "SYNC_BASE_URL=$url"

# --- 3. MCP Inspector CLI against the stdio server ----------------------------------------------------------
# Target first (the server command and its own flags), then `--`, then the Inspector's options. The key goes
# to the server's environment with -e (a sandbox key here), never on the server's command line.
# Local files may be read only from $tmp/media.
mkdir -p "$tmp/media"
# Every toolset is on (SYNC_MCP_TOOLSETS=all), so every tool named in manifest.json can be called.
inspect_with() {
  local toolsets="$1"
  shift
  "$INSPECTOR" --cli "$PY" -m sync_mcp -- -e "SYNC_API_KEY=$KEY" -e "SYNC_BASE_URL=$url" \
    -e "SYNC_MCP_ALLOWED_DIRS=$tmp/media" -e "SYNC_MCP_TOOLSETS=$toolsets" --format json "$@"
}
inspect() { inspect_with all "$@"; }

step "inspector: tools/list --strict"
inspect --method tools/list --strict > "$tmp/tools.json"
check "$tmp/tools.json" \
  'sorted(t["name"] for t in d["result"]["tools"]) == sorted(t["name"] for t in m["tools"] if t["name"] != "enable_toolset")' \
  'all(t.get("description") and t["inputSchema"]["type"] == "object" for t in d["result"]["tools"])' \
  'not d.get("schemaFindings")'
echo "ok: the same tools as manifest.json (every toolset on), no schema portability findings"

step "inspector: the default surface (core + enable_toolset)"
inspect_with core --method tools/list --strict > "$tmp/core.json"
check "$tmp/core.json" \
  '{"lipsync", "get_generation", "enable_toolset"} <= {t["name"] for t in d["result"]["tools"]}' \
  '{t["name"] for t in d["result"]["tools"]} <= {t["name"] for t in m["tools"]}' \
  'len(d["result"]["tools"]) < len(m["tools"])' \
  'not d.get("schemaFindings")'
echo "ok: $("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["result"]["tools"]))' "$tmp/core.json") tools by default"

step "inspector: list_error_codes"
inspect --method tools/call --tool-name list_error_codes --tool-arg search=audio > "$tmp/codes.json"
check "$tmp/codes.json" 'd["result"]["isError"] is False' \
  'd["result"]["structuredContent"]["entries"]' \
  'all(e["code"] and e["fix"] and "audio" in json.dumps(e).lower() for e in d["result"]["structuredContent"]["entries"])'
echo "ok"

step "inspector: create_generation"
inspect --method tools/call --tool-name create_generation --tool-args-json \
  '{"model": "lipsync-2", "input": [{"type": "video", "url": "https://m.example.com/talk.mp4"},
                                   {"type": "audio", "url": "https://m.example.com/voice.wav"}]}' > "$tmp/created.json"
check "$tmp/created.json" 'd["result"]["isError"] is False' 'd["result"]["structuredContent"]["status"] == "PENDING"'
id="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["result"]["structuredContent"]["id"])' "$tmp/created.json")"
echo "ok: $id"

step "inspector: get_generation (wait)"
inspect --method tools/call --tool-name get_generation --tool-args-json "{\"id\": \"$id\", \"wait\": true, \"timeout\": 30}" \
  > "$tmp/done.json"
check "$tmp/done.json" 'd["result"]["isError"] is False' 'd["result"]["structuredContent"]["status"] == "COMPLETED"' \
  'd["result"]["structuredContent"]["outputUrl"].startswith("http")'
echo "ok: COMPLETED"

# inspect_error NAME TOOL ARGS-JSON [ERROR-CODE]: a tool error, as the Inspector documents it: exit 5
# (tool_is_error), the result printed with isError, no structuredContent, the error object (errorCode, fix)
# as JSON text in content[0] and the same object in _meta; no client-side validation error.
inspect_error() {
  local name=$1 tool=$2 args=$3 code=${4:-} status
  set +e
  inspect --method tools/call --tool-name "$tool" --tool-args-json "$args" > "$tmp/$name.json" 2> "$tmp/$name.err"
  status=$?
  set -e
  [[ $status -eq 5 ]] || fail "$name: exit $status, want 5 (a tool error): $(cat "$tmp/$name.json" "$tmp/$name.err")"
  grep -q '"tool_is_error"' "$tmp/$name.err" || fail "$name: not reported as a tool error: $(cat "$tmp/$name.err")"
  if grep -qi -e "schema" -e "validat" "$tmp/$name.err"; then fail "$name: client-side check: $(cat "$tmp/$name.err")"; fi
  check "$tmp/$name.json" 'd["result"]["isError"] is True' '"structuredContent" not in d["result"]' \
    'json.loads(d["result"]["content"][0]["text"]) == d["result"]["_meta"]["so.sync/error"]' \
    'json.loads(d["result"]["content"][0]["text"])["fix"].strip()' \
    "'$code' in ('', json.loads(d['result']['content'][0]['text'])['errorCode'])"
  "$PY" - "$tmp/$name.json" "$name" <<'EOF'
import json, sys
error = json.loads(json.load(open(sys.argv[1], encoding="utf-8"))["result"]["content"][0]["text"])
status = f" ({error['httpStatus']})" if error.get("httpStatus") else ""
print(f"ok: {sys.argv[2]}: exit 5, {error['errorCode']}{status}: {error['fix'][:80]}")
EOF
}

step "inspector: every error path exits 5 with the error object; a refused call costs nothing"
head -c 2048 /dev/urandom > "$tmp/outside.mp4"  # a real file outside SYNC_MCP_ALLOWED_DIRS ($tmp/media)
unknown_id="$("$PY" -c 'import uuid; print(uuid.uuid4())')"
one_row='[{"request_id": "r1", "endpoint": "/v2/generate", "payload": {"model": "lipsync-2",
  "input": [{"type": "video", "url": "https://m.example.com/talk.mp4"},
            {"type": "audio", "url": "https://m.example.com/voice.wav"}]}}]'
before="$(creates)"
inspect_error get_generation_unknown get_generation "{\"id\": \"$unknown_id\"}" generation_not_found
inspect_error create_generation_invalid create_generation '{"model": "lipsync-2", "input": []}'
inspect_error create_generation_missing create_generation '{"model": "lipsync-2"}'
inspect_error lipsync_misspelled lipsync \
  '{"video": "https://m.example.com/talk.mp4", "audio": "https://m.example.com/voice.wav", "dowload": true}' invalid_arguments
inspect_error upload_media_outside upload_media "{\"path\": \"$tmp/outside.mp4\"}" path_not_allowed
inspect_error list_error_codes_wrong_type list_error_codes '{"code": 42}'
inspect_error create_batch_one_row create_batch "{\"rows\": $one_row}" batch_insufficient_records
inspect_error get_batch_unknown get_batch '{"id": "batch-does-not-exist"}'
[[ "$(creates)" == "$before" ]] || fail "a refused create reached the API"
echo "ok: no refused create reached the API"

step "inspector: an unknown tool exits 5"
set +e
inspect --method tools/call --tool-name no_such_tool > /dev/null 2> "$tmp/unknown.err"
unknown=$?
set -e
[[ $unknown -eq 5 ]] || fail "unknown tool: exit $unknown, want 5: $(cat "$tmp/unknown.err")"
grep -q "tool_not_found" "$tmp/unknown.err" || fail "unknown tool: $(cat "$tmp/unknown.err")"
if grep -q -- "$KEY" "$tmp"/*.json "$tmp"/*.err; then fail "the API key appears in a reply"; fi
echo "ok"

# --- 4. the TypeScript SDK client ---------------------------------------------------------------------------
step "TypeScript SDK client: every tool, every error path, over stdio and Streamable HTTP"
SANDBOX_API_KEY="$KEY" node "$JUDGES/sweep.mjs" "$PY" "$url" || fail "the TypeScript SDK client sweep (table above)"

# --- 5. the MCP conformance suite ---------------------------------------------------------------------------
step "conformance suite against --transport http"
http_port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SYNC_API_KEY="$KEY" SYNC_BASE_URL="$url" SYNC_MCP_LOG_LEVEL=WARNING \
  "$PY" -m sync_mcp --transport http --host 127.0.0.1 --port "$http_port" 2> "$tmp/http.log" &
http_pid=$!
"$PY" - "http://127.0.0.1:$http_port/mcp" <<'EOF'
import sys, time, urllib.error, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # listening: a bare GET is refused, and that is an answer
    except OSError:
        time.sleep(0.1)
sys.exit("FAIL: the HTTP server did not start")
EOF
node "$JUDGES/conformance.mjs" "http://127.0.0.1:$http_port/mcp" "$tmp/conformance" \
  || { cat "$tmp/http.log"; fail "conformance scenarios (above; baseline: .ci/judges/conformance-baseline.yml)"; }
stop "$http_pid"
http_pid=""

printf '\nblack-box checks passed\n'
