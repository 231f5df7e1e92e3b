// The official MCP conformance suite (@modelcontextprotocol/conformance) against a running
// `python -m sync_mcp --transport http`, with the expected failures of conformance-baseline.yml.
//
// The suite itself fails the run when a scenario outside the baseline fails, or when a baselined one passes.
// This script adds the other half: every FAILURE or WARNING it recorded must have one of the reasons the
// baseline gives (a call to one of the suite's own test_* fixtures, or the stateless transport's missing
// session id), so a baselined scenario that starts failing for a new reason fails the run too.
// Exits 0 when all holds, 1 otherwise (2 on bad usage).
//
// Usage: node conformance.mjs <server /mcp url> <results dir>
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [url, results] = process.argv.slice(2);
if (!url || !results) {
  console.error("usage: node conformance.mjs <server /mcp url> <results dir>");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const baseline = join(here, "conformance-baseline.yml");

// Why a check may fail or warn: the reasons conformance-baseline.yml gives, as the suite words them.
const REASONS = [
  {
    why: "calls a fixture of the suite's reference server",
    match: /Unknown (tool|prompt|resource): (test_|test:\/\/)|Tool 'json_schema_2020_12_tool' not found/,
  },
  { why: "the stateless transport has no session id", match: /did not provide session ID/ },
  {
    // server-sse-polling calls the test_reconnection fixture; without it (and without sessions or an event
    // store, which a stateless transport has not) no resumable stream is opened.
    why: "no resumable SSE stream on the stateless transport",
    scenario: "server-sse-polling",
    match: /did not send priming event|did not send retry field/,
  },
];

// The suite runs every scenario for at most a few seconds each; bound the whole run all the same.
const run = spawnSync(
  process.execPath,
  [cli, "server", "--url", url, "--suite", "all", "--expected-failures", baseline, "--output-dir", results],
  { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
);
// Its progress lines (one per scenario) only matter when something failed; the summary always does.
const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
const summary = output.indexOf("=== SUMMARY ===");
console.log(run.status === 0 && summary >= 0 ? output.slice(summary) : output);
if (run.error) console.error(`FAIL: conformance: ${run.error.message}`);

const unexplained = [];
let scenarios = 0;
for (const entry of existsSync(results) ? readdirSync(results, { withFileTypes: true }) : []) {
  if (!entry.isDirectory()) continue;
  scenarios += 1;
  const scenario = entry.name.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
  const checks = JSON.parse(readFileSync(join(results, entry.name, "checks.json"), "utf8"));
  for (const check of checks) {
    if (check.status !== "FAILURE" && check.status !== "WARNING") continue;
    const message = check.errorMessage || check.details?.message || check.description || "";
    const reason = REASONS.find((r) => (!r.scenario || r.scenario === scenario) && r.match.test(message));
    if (!reason) unexplained.push(`${scenario}: ${check.id} ${check.status}: ${message}`);
  }
}

if (scenarios === 0) unexplained.push("no scenario results were written");
if (unexplained.length) {
  console.error("\nFAIL: conformance findings no baseline reason explains:");
  for (const line of unexplained) console.error(`  ${line}`);
}
if (run.status !== 0) console.error(`\nFAIL: conformance exited ${run.status ?? run.signal}`);
process.exit(run.status === 0 && unexplained.length === 0 ? 0 : 1);
