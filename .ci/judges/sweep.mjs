// The official TypeScript SDK client (@modelcontextprotocol/sdk, the Client most hosts are built on) drives
// `python -m sync_mcp` over stdio and over Streamable HTTP, against a local sandbox API:
//   - every listed tool gets at least one successful call; Client.callTool checks each result's
//     structuredContent against the tool's outputSchema and throws when it does not match: that is the judge;
//   - every error path returns through callTool as isError: true, without structuredContent, with the error
//     object (errorCode, fix, ...) as JSON text in content[0] and the same object in _meta["so.sync/error"];
//   - unknown tools, unknown prompts and prompts missing arguments are JSON-RPC -32602 errors;
//   - with the default toolsets (core), enable_toolset turns on another set and the client hears
//     notifications/tools/list_changed.
// Prints one line per call and exits 1 when any call fails (2 on bad usage).
//
// Usage: SANDBOX_API_KEY=<sandbox key> node sweep.mjs <python> <sandbox url>
// The server processes inherit this environment (PYTHONPATH included).
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [python, sandboxUrl] = process.argv.slice(2);
const apiKey = process.env.SANDBOX_API_KEY;
if (!python || !sandboxUrl || !apiKey) {
  console.error("usage: SANDBOX_API_KEY=<key> node sweep.mjs <python> <sandbox url>");
  process.exit(2);
}

const CALL_MS = 30_000; // one call, unless it waits
const WAIT_MS = 60_000; // a call that follows a job (its own timeout argument is 30 s)
const TOTAL_MS = 300_000; // the whole sweep
const ERROR_META = "so.sync/error";
const VIDEO = "https://media.example.com/ci/speaker.mp4";
const AUDIO = "https://media.example.com/ci/line.wav";

const work = mkdtempSync(join(tmpdir(), "sync-mcp-sweep-"));
const media = join(work, "media"); // SYNC_MCP_ALLOWED_DIRS
const outside = join(work, "outside"); // a real file the server must refuse to read
const output = join(work, "out"); // SYNC_MCP_OUTPUT_DIR
for (const dir of [media, outside, output]) mkdirSync(dir);
writeFileSync(join(outside, "private.mp4"), randomBytes(2048));

const serverEnv = {
  ...process.env,
  SYNC_BASE_URL: sandboxUrl,
  SYNC_MCP_ALLOWED_DIRS: media,
  SYNC_MCP_OUTPUT_DIR: output,
  SYNC_MCP_LOG_LEVEL: "WARNING",
  SYNC_MCP_TOOLSETS: "all", // every tool gets a success call
};
delete serverEnv.SYNC_API_KEY;
delete serverEnv.SANDBOX_API_KEY;

const rows = []; // {transport, step, ok, ms, detail}
const seen = []; // every reply, scanned for the key at the end
const children = [];

const watchdog = setTimeout(() => {
  console.error(`FAIL: the sweep did not finish within ${TOTAL_MS / 1000} s`);
  report();
  shutdown(1);
}, TOTAL_MS);

function shutdown(code) {
  for (const child of children) child.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
  process.exit(code);
}

function short(value, width = 110) {
  const text = String(value).replace(/\s+/g, " ");
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

async function step(transport, name, fn) {
  const started = performance.now();
  let ok = false;
  let detail;
  try {
    detail = (await fn()) ?? "";
    ok = true;
  } catch (error) {
    detail = error instanceof Error ? error.message : String(error);
  }
  rows.push({ transport, step: name, ok, ms: Math.round(performance.now() - started), detail });
  return ok;
}

function need(condition, message) {
  if (!condition) throw new Error(message);
}

/** A call that must succeed: callTool has already checked structuredContent against the outputSchema. */
async function success(ctx, tool, args, timeout = CALL_MS) {
  need(ctx.tools.get(tool)?.outputSchema, `${tool}: no outputSchema listed, so the client cannot judge it`);
  const result = await ctx.client.callTool({ name: tool, arguments: args }, undefined, { timeout });
  seen.push(result);
  need(!result.isError, `isError: ${short(result.content?.[0]?.text ?? JSON.stringify(result))}`);
  need(result.structuredContent && typeof result.structuredContent === "object", "no structuredContent");
  ctx.succeeded.add(tool);
  return result.structuredContent;
}

/** A call that must come back as a tool error the agent can act on. */
async function toolError(ctx, tool, args, want = {}) {
  const result = await ctx.client.callTool({ name: tool, arguments: args }, undefined, { timeout: CALL_MS });
  seen.push(result);
  need(result.isError === true, `want isError: true, got ${short(JSON.stringify(result))}`);
  need(result.structuredContent === undefined, "an error result carries structuredContent");
  const first = result.content?.[0];
  need(first?.type === "text", "content[0] is not text");
  let error;
  try {
    error = JSON.parse(first.text);
  } catch {
    throw new Error(`content[0] is not JSON: ${short(first.text)}`);
  }
  need(typeof error.errorCode === "string" && error.errorCode, "no errorCode in content[0]");
  need(typeof error.fix === "string" && error.fix.trim(), `${error.errorCode}: no fix in content[0]`);
  need(isDeepStrictEqual(result._meta?.[ERROR_META], error), `_meta["${ERROR_META}"] differs from content[0]`);
  for (const [key, value] of Object.entries(want)) {
    need(error[key] === value, `${key}: want ${value}, got ${error[key]} (${short(first.text)})`);
  }
  return `${error.errorCode}${error.httpStatus ? ` (${error.httpStatus})` : ""}: ${error.fix}`;
}

/** A request the server must refuse with a JSON-RPC error of this code. */
async function protocolError(call, code, text) {
  try {
    const reply = await call();
    seen.push(reply);
  } catch (error) {
    need(error instanceof McpError, `not a JSON-RPC error: ${error}`);
    need(error.code === code, `want code ${code}, got ${error.code}: ${error.message}`);
    need(!text || error.message.includes(text), `message lacks "${text}": ${error.message}`);
    return `${error.code}: ${error.message}`;
  }
  throw new Error(`want error ${code}, got a result`);
}

function batchRows(tag) {
  return Array.from({ length: 20 }, (_, n) => ({
    request_id: `${tag}-${n}`,
    endpoint: "/v2/generate",
    payload: {
      model: "lipsync-2",
      input: [
        { type: "video", url: VIDEO },
        { type: "audio", url: `${AUDIO}?row=${n}` },
      ],
    },
  }));
}

/** The folder this client's local files are read from, as the server's file_not_found fix names it. */
async function callerFolder(client) {
  const probe = await client.callTool({ name: "upload_media", arguments: { path: "sweep-probe-missing.mp4" } });
  const fix = JSON.parse(probe.content?.[0]?.text ?? "{}").fix ?? "";
  const folder = /paths are relative to (.+?)\)\./.exec(fix)?.[1];
  need(folder, `no folder named in the missing file's fix: ${fix}`);
  return folder;
}

/** Every tool at least once with success, then every error path, on one connected client. */
async function sweep(transport, client) {
  const ctx = { client, tools: new Map(), succeeded: new Set() };
  const s = (name, fn) => step(transport, name, fn);
  const state = {};
  const tag = `${transport}-${randomUUID().slice(0, 8)}`;
  // Over HTTP each caller reads only its own folder under SYNC_MCP_ALLOWED_DIRS; the server names it in the fix
  // of a missing file ("paths are relative to ..."), which is how an operator learns where to put a user's files.
  const folder = transport === "http" ? await callerFolder(client) : media;
  mkdirSync(folder, { recursive: true });
  const face = join(folder, `face-${tag}.mp4`);
  const voice = join(folder, `voice-${tag}.wav`);
  writeFileSync(face, randomBytes(4096));
  writeFileSync(voice, randomBytes(4096));

  await s("tools/list", async () => {
    const { tools } = await client.listTools(undefined, { timeout: CALL_MS });
    for (const tool of tools) ctx.tools.set(tool.name, tool);
    need(tools.length > 0, "no tools");
    return `${tools.length} tools`;
  });

  // ---- read-only catalog tools
  await s("list_models", async () => `${(await success(ctx, "list_models", {})).models?.length} models`);
  await s("list_voices", async () => {
    const listed = await success(ctx, "list_voices", { language: "en" });
    state.voiceId = listed.voices?.[0]?.id;
    need(state.voiceId, "no voice listed");
    return `${listed.count} voices`;
  });
  await s("list_error_codes", async () => {
    const found = await success(ctx, "list_error_codes", { search: "audio" });
    need(found.entries?.length, "no entries for 'audio'");
    return `${found.entries.length} entries`;
  });
  await s("estimate_cost", async () => {
    const estimate = await success(ctx, "estimate_cost", { model: "lipsync-2", duration: 10 });
    return short(JSON.stringify(estimate), 80);
  });

  // ---- projects and assets
  await s("create_project", async () => {
    const project = await success(ctx, "create_project", { name: `CI sweep ${tag}` });
    state.projectId = project.id;
    need(state.projectId, "no project id");
    return state.projectId;
  });
  await s("list_projects", async () => `${(await success(ctx, "list_projects", {})).count} projects`);
  await s("get_project", async () => (await success(ctx, "get_project", { id: state.projectId })).name);
  await s("update_project", async () => {
    const updated = await success(ctx, "update_project", { id: state.projectId, description: "CI sweep" });
    need(updated.description === "CI sweep", `description ${updated.description}`);
    return updated.name;
  });
  await s("upload_media", async () => {
    const uploaded = await success(ctx, "upload_media", { path: face, projectId: state.projectId });
    state.assetId = uploaded.assetId;
    need(state.assetId, "no assetId");
    return state.assetId;
  });
  if (transport === "http") {
    // A user whose file is not on the server's disk: an upload link, used with a plain PUT (as `curl -T` does).
    await s("upload_media (upload link, PUT)", async () => {
      const link = await success(ctx, "upload_media", {});
      need(link.uploadUrl && link.uploadId, `no upload link: ${JSON.stringify(link)}`);
      const bytes = Buffer.concat([Buffer.from("\0\0\0\x18ftypisom"), randomBytes(4096)]);
      const put = await fetch(link.uploadUrl, { method: "PUT", body: bytes, headers: { "X-File-Name": "face.mp4" } });
      need(put.ok, `PUT to the upload link: HTTP ${put.status}`);
      const done = await success(ctx, "upload_media", { uploadId: link.uploadId, wait: true }, WAIT_MS);
      need(done.state === "done" && done.assetId, `upload state ${done.state}`);
      return done.assetId;
    });
  }
  await s("register_asset", async () => {
    const asset = await success(ctx, "register_asset", { url: `${AUDIO}?${tag}`, type: "AUDIO" });
    state.registeredId = asset.id ?? asset.assetId;
    need(state.registeredId, "no asset id");
    return state.registeredId;
  });
  await s("list_assets", async () => `${(await success(ctx, "list_assets", { limit: 5 })).items?.length} assets`);
  await s("get_asset", async () => (await success(ctx, "get_asset", { id: state.assetId })).id);
  await s("update_asset", async () => {
    const updated = await success(ctx, "update_asset", { id: state.registeredId, name: `line ${tag}` });
    need(updated.name === `line ${tag}`, `name ${updated.name}`);
    return updated.name;
  });
  await s("list_assets (ids)", async () => {
    const listed = await success(ctx, "list_assets", { ids: [state.assetId, state.registeredId] });
    need(listed.items?.length === 2, `${listed.items?.length} assets`);
    return `${listed.items.length} assets`;
  });
  await s("count_assets", async () => `${(await success(ctx, "count_assets", { types: ["VIDEO"] })).count} videos`);

  // ---- generations
  await s("create_generation", async () => {
    const created = await success(ctx, "create_generation", {
      model: "lipsync-2",
      input: [
        { type: "video", assetId: state.assetId },
        { type: "audio", url: AUDIO },
      ],
      projectId: state.projectId,
    });
    state.generationId = created.id;
    need(state.generationId, "no id");
    return `${created.id} ${created.status}`;
  });
  await s("get_generation (wait)", async () => {
    const done = await success(ctx, "get_generation", { id: state.generationId, wait: true, timeout: 30 }, WAIT_MS);
    need(done.status === "COMPLETED", `status ${done.status}`);
    return done.status;
  });
  await s("list_generations", async () => `${(await success(ctx, "list_generations", { limit: 5 })).count} generations`);
  await s("get_generation_cost", async () => {
    const cost = await success(ctx, "get_generation_cost", { id: state.generationId });
    return short(JSON.stringify(cost), 80);
  });
  await s("get_usage", async () => {
    const usage = await success(ctx, "get_usage", {});
    return `${usage.count} generations, ${usage.knownTotalUsd} USD known`;
  });
  await s("count_generations", async () => `${(await success(ctx, "count_generations", { status: ["COMPLETED"] })).count} completed`);
  await s("check_api", async () => {
    const status = await success(ctx, "check_api", {});
    need(status.ok === true, short(JSON.stringify(status.checks)));
    return status.checks.map((check) => check.name).join(", ");
  });
  await s("download_output", async () => {
    const saved = await success(ctx, "download_output", { id: state.generationId }, WAIT_MS);
    need(saved.path?.startsWith(output), `saved outside the output folder: ${saved.path}`);
    return saved.path;
  });
  await s("lipsync (local audio file, wait)", async () => {
    const done = await success(ctx, "lipsync", { video: VIDEO, audio: voice, wait: true, timeout: 30 }, WAIT_MS);
    need(done.status === "COMPLETED", `status ${done.status}`);
    return `${done.id} ${done.status}`;
  });
  await s("lipsync (dub, two speakers)", async () => {
    const dub = await success(ctx, "lipsync", { video: VIDEO, target_language: "es", wait: false });
    need(dub.asked?.[0]?.startsWith("dubbed to: es"), `asked: ${JSON.stringify(dub.asked)}`);
    const segments = [
      { audio: voice, start: 0, end: 2 },
      { script: "Hello from CI.", voice_id: state.voiceId, start: 2, end: 4 },
    ];
    const two = await success(ctx, "lipsync", { video: VIDEO, segments, wait: false });
    need(two.asked?.length === 2, `asked: ${JSON.stringify(two.asked)}`);
    return `${dub.id} ${two.id}`;
  });

  // ---- dialogue: transcripts and edits (the CI sandbox has the dialogue-edit rollout: --dialogue-edit)
  await s("transcribe", async () => {
    const heard = await success(ctx, "transcribe", { video: VIDEO });
    need(heard.status === "COMPLETED" && heard.text?.includes("Tuesday"), `transcript: ${short(heard.text ?? "", 80)}`);
    state.transcriptionId = heard.id;
    return `${heard.id} ${short(heard.text, 40)}`;
  });
  await s("edit_dialogue", async () => {
    const said = await success(ctx, "transcribe", { transcription_id: state.transcriptionId });
    const preview = await success(ctx, "edit_dialogue", {
      video: VIDEO,
      transcription_id: state.transcriptionId,
      new_text: said.text.replace("Tuesday", "Wednesday"),
    });
    need(preview.previewAudioUrl && preview.changes?.[0]?.after === "Wednesday", `preview: ${JSON.stringify(preview.changes)}`);
    return `${preview.editId} ${preview.status}`;
  });

  // ---- voices and speech
  await s("create_speech", async () => {
    const speech = await success(ctx, "create_speech", { voiceId: state.voiceId, script: "Hello from CI." });
    return speech.url ?? speech.id;
  });
  await s("create_speech_job", async () => {
    const job = await success(ctx, "create_speech_job", { voiceId: state.voiceId, script: "Hello again from CI." });
    state.speechJobId = job.id;
    need(job.idempotencyKey, "no idempotencyKey");
    return `${job.id} ${job.status}`;
  });
  await s("get_speech_job", async () => (await success(ctx, "get_speech_job", { id: state.speechJobId })).status);
  await s("clone_voice", async () => {
    const clone = await success(ctx, "clone_voice", { name: `CI ${tag}`, url: `${AUDIO}?voice=${tag}` });
    state.clonedVoiceId = clone.id;
    need(state.clonedVoiceId, "no voice id");
    return clone.id;
  });
  await s("delete_voice", async () => short(JSON.stringify(await success(ctx, "delete_voice", { id: state.clonedVoiceId })), 80));

  // ---- batches
  await s("create_batch (dry_run)", async () => {
    const checked = await success(ctx, "create_batch", { rows: batchRows(tag), dry_run: true });
    need(checked.validated === true, "not validated");
    return checked.nextStep;
  });
  await s("create_batch", async () => {
    const created = await success(ctx, "create_batch", { rows: batchRows(tag) });
    state.batchId = created.batch?.id;
    need(state.batchId, "no batch id");
    return `${state.batchId} ${created.batch.status}`;
  });
  await s("get_batch", async () => (await success(ctx, "get_batch", { id: state.batchId })).batch?.status);
  await s("list_batches", async () => `${(await success(ctx, "list_batches", {})).count} batches`);

  // ---- deletions
  await s("delete_generation", async () => short(JSON.stringify(await success(ctx, "delete_generation", { id: state.generationId })), 80));
  await s("delete_asset", async () => short(JSON.stringify(await success(ctx, "delete_asset", { id: state.registeredId })), 80));
  await s("delete_project", async () => short(JSON.stringify(await success(ctx, "delete_project", { id: state.projectId })), 80));

  await s("every listed tool succeeded once", async () => {
    const missed = [...ctx.tools.keys()].filter((name) => !ctx.succeeded.has(name));
    need(missed.length === 0, `no successful call of: ${missed.join(", ")} (add them to .ci/judges/sweep.mjs)`);
    return `${ctx.succeeded.size} tools`;
  });

  // ---- tool errors: isError, no structuredContent, the error object in content[0] and _meta
  const fail = (name, tool, args, want) => s(`error: ${name}`, () => toolError(ctx, tool, args, want));
  await fail("get_generation unknown id", "get_generation", { id: randomUUID() }, { httpStatus: 404 });
  await fail("create_generation invalid body", "create_generation", { model: "lipsync-2", input: [] });
  await fail("create_generation missing input", "create_generation", { model: "lipsync-2" });
  await fail("lipsync misspelled argument", "lipsync", { video: VIDEO, audio: AUDIO, dowload: true }, {
    errorCode: "invalid_arguments",
    httpStatus: null,
  });
  await fail("upload_media outside allowed dirs", "upload_media", { path: join(outside, "private.mp4") }, {
    errorCode: "path_not_allowed",
  });
  await fail("list_error_codes code: 42", "list_error_codes", { code: 42 });
  await fail("create_batch one row", "create_batch", { rows: batchRows(tag).slice(0, 1) });
  await fail("get_batch unknown id", "get_batch", { id: `batch-${randomUUID()}` }, { httpStatus: 404 });

  // ---- protocol errors
  const unknownTool = () => client.callTool({ name: "no_such_tool", arguments: {} }, undefined, { timeout: CALL_MS });
  await s("tools/call unknown tool", () => protocolError(unknownTool, ErrorCode.InvalidParams, "no_such_tool"));
  const unknownPrompt = () => client.getPrompt({ name: "no_such_prompt" }, { timeout: CALL_MS });
  await s("prompts/get unknown prompt", () => protocolError(unknownPrompt, ErrorCode.InvalidParams, "no_such_prompt"));
  const missing = () => client.getPrompt({ name: "lipsync_video", arguments: { video: VIDEO } }, { timeout: CALL_MS });
  await s("prompts/get missing argument", () => protocolError(missing, ErrorCode.InvalidParams, "audio"));
  await s("prompts/get lipsync_video", async () => {
    const prompt = await client.getPrompt({ name: "lipsync_video", arguments: { video: VIDEO, audio: AUDIO } }, {
      timeout: CALL_MS,
    });
    seen.push(prompt);
    need(prompt.messages?.length, "no messages");
    return `${prompt.messages.length} messages`;
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function overStdio() {
  const stderr = join(work, "stdio-server.log");
  const transport = new StdioClientTransport({
    command: python,
    args: ["-m", "sync_mcp"],
    env: { ...serverEnv, SYNC_API_KEY: apiKey },
    cwd: work,
    stderr: openSync(stderr, "w"),
  });
  const client = new Client({ name: "sync-mcp-ci-sweep", version: "1.0.0" });
  const connected = await step("stdio", "connect", async () => {
    await client.connect(transport, { timeout: CALL_MS });
    return `${client.getServerVersion()?.name} ${client.getServerVersion()?.version}`;
  });
  if (connected) await sweep("stdio", client);
  await client.close();
  return readFileSync(stderr, "utf8");
}

async function overStdioDefaultToolsets() {
  const stderr = join(work, "stdio-core-server.log");
  const transport = new StdioClientTransport({
    command: python,
    args: ["-m", "sync_mcp"],
    env: { ...serverEnv, SYNC_API_KEY: apiKey, SYNC_MCP_TOOLSETS: "" },
    cwd: work,
    stderr: openSync(stderr, "w"),
  });
  const client = new Client({ name: "sync-mcp-ci-sweep", version: "1.0.0" });
  let heard;
  const changed = new Promise((resolve) => (heard = resolve));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => heard());
  if (await step("core", "connect", () => client.connect(transport, { timeout: CALL_MS }))) {
    const listed = async () => (await client.listTools(undefined, { timeout: CALL_MS })).tools;
    const ctx = { client, tools: new Map(), succeeded: new Set() };
    await step("core", "default surface: core + enable_toolset", async () => {
      const names = (await listed()).map((tool) => tool.name);
      need(names.includes("lipsync") && names.includes("enable_toolset"), `listed: ${names}`);
      need(!names.includes("create_project"), "create_project is listed before its toolset is enabled");
      for (const tool of await listed()) ctx.tools.set(tool.name, tool);
      return `${names.length} tools`;
    });
    await step("core", "enable_toolset", async () => {
      const enabled = await success(ctx, "enable_toolset", { name: "projects" });
      await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error("no list_changed")), 10_000))]);
      need((await listed()).some((tool) => tool.name === "create_project"), "create_project not listed after enabling");
      return `${enabled.toolset}: ${enabled.tools.join(", ")}; tools/list_changed heard`;
    });
  }
  await client.close();
  return readFileSync(stderr, "utf8");
}

async function overHttp() {
  const port = await freePort();
  const log = join(work, "http-server.log");
  const server = spawn(python, ["-m", "sync_mcp", "--transport", "http", "--host", "127.0.0.1", "--port", `${port}`], {
    env: serverEnv, // no SYNC_API_KEY: every request carries its own key in X-Sync-Api-Key
    cwd: work,
    stdio: ["ignore", "ignore", openSync(log, "w")],
  });
  children.push(server);
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const up = await step("http", "server listening", async () => {
    for (let i = 0; i < 300; i++) {
      if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
      try {
        await fetch(url, { signal: AbortSignal.timeout(1000) });
        return url.href;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error("the server did not listen within 30 s");
  });
  if (up) {
    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { "X-Sync-Api-Key": apiKey } } });
    const client = new Client({ name: "sync-mcp-ci-sweep", version: "1.0.0" });
    const connected = await step("http", "connect", async () => {
      await client.connect(transport, { timeout: CALL_MS });
      return `${client.getServerVersion()?.name} ${client.getServerVersion()?.version}, protocol ${transport.protocolVersion}`;
    });
    if (connected) await sweep("http", client);
    await client.close();
  }
  server.kill("SIGTERM");
  return readFileSync(log, "utf8");
}

function report() {
  const width = Math.max(...rows.map((row) => row.step.length), 4);
  console.log(`${"".padEnd(4)} ${"via".padEnd(6)} ${"call".padEnd(width)} ${"ms".padStart(6)}  detail`);
  for (const row of rows) {
    const mark = row.ok ? "ok  " : "FAIL";
    console.log(`${mark} ${row.transport.padEnd(6)} ${row.step.padEnd(width)} ${String(row.ms).padStart(6)}  ${short(row.detail)}`);
  }
}

let logs = "";
try {
  logs += await overStdio();
  logs += await overStdioDefaultToolsets();
  logs += await overHttp();
} catch (error) {
  rows.push({ transport: "-", step: "sweep", ok: false, ms: 0, detail: error?.stack ?? String(error) });
}
await step("-", "the key appears in no reply", async () => {
  need(!JSON.stringify(seen).includes(apiKey), "the API key appears in a reply");
  return `${seen.length} replies scanned`;
});
clearTimeout(watchdog);
report();
const failed = rows.filter((row) => !row.ok).length;
if (failed) {
  console.log(`\n${failed} of ${rows.length} checks FAILED. Server logs:\n${logs}`);
  shutdown(1);
}
console.log(`\nall ${rows.length} checks passed`);
shutdown(0);
