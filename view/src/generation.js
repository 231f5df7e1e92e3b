// The generation view of sync-mcp (an MCP App). It talks to the host only through the ext-apps `App` class:
// tool input and results arrive as notifications; following a running job, saving the video and making
// another take are tool calls the host runs on the server (`get_generation`, `download_output`,
// `create_generation`). Next to `upload_media` it is a drop zone instead (upload.js). Everything shown is set
// with textContent: tool results are data, never markup.

import {
  App,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
} from "@modelcontextprotocol/ext-apps";
import { isUpload, isUploadCall, uploads } from "./upload.js";

const TERMINAL = new Set(["COMPLETED", "FAILED", "REJECTED"]);
const POLL_STEPS_MS = [2000, 3000, 5000, 8000, 10000]; // then every 10 s, like the server's own wait
const ERROR_META_KEY = "so.sync/error";
const STATUS_WORDS = {
  PENDING: "Queued",
  PROCESSING: "Processing",
  COMPLETED: "Done",
  FAILED: "Failed",
  REJECTED: "Rejected",
};

const $ = (id) => document.getElementById(id);
const app = new App({ name: "sync-mcp generation view", version: "1" }, { availableDisplayModes: ["inline"] });

const upload = uploads(app, { show: (section) => show(section), payload: (result) => payload(result) });
const view = {
  generation: null, // the latest generation object (structuredContent of a generation tool)
  startedAt: Date.now(), // when the view first heard of the call (elapsed time without createdAt)
  lastChecked: null,
  pollTimer: null,
  pollCount: 0,
  followed: null, // the id being followed
};

// ------------------------------------------------------------------------------------------------ helpers

function show(section) {
  for (const id of ["waiting", "running", "completed", "failed", "upload"]) {
    $(id).hidden = id !== section;
  }
  document.body.dataset.state = section;
}

function setText(id, text) {
  const el = $(id);
  el.textContent = text ?? "";
  return el;
}

function toggle(id, visible) {
  $(id).hidden = !visible;
}

function seconds(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m ? `${m} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

function clock(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function httpUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === "https:" || url.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

function canCallTools() {
  return Boolean(app.getHostCapabilities()?.serverTools);
}

/** The object a tool result carries: the error object of an error result, else its structured content. */
function payload(result) {
  if (!result) return null;
  if (result.isError) {
    const fromMeta = result._meta?.[ERROR_META_KEY];
    if (fromMeta && typeof fromMeta === "object") return { error: fromMeta };
    const first = result.content?.find((block) => block.type === "text");
    try {
      const parsed = JSON.parse(first?.text ?? "");
      if (parsed && typeof parsed === "object") return { error: parsed };
    } catch {
      // not JSON: fall through to the plain text
    }
    return { error: { errorCode: "error", message: first?.text ?? "The tool call failed." } };
  }
  const data = result.structuredContent;
  return data && typeof data === "object" ? { generation: data } : null;
}

// ------------------------------------------------------------------------------------------------ states

function renderInput(args) {
  if (view.generation) return; // a result is already shown
  if (isUploadCall(app, args)) return upload.waiting();
  view.startedAt = Date.now();
  const model = args?.model ?? (args?.image ? "sync-3" : args?.video ? "lipsync-2" : null);
  setText("run-status", args?.id ? "Checking" : "Starting");
  setText("run-model", model ?? "");
  toggle("run-model-row", Boolean(model));
  setText("run-id", args?.id ?? "");
  toggle("run-id-row", Boolean(args?.id));
  setText("run-note", "Waiting for the server to answer.");
  setStep(args?.id ? 1 : 0);
  show("running");
  tick();
}

function setStep(step) {
  // 0: being created, 1: queued, 2: processing, 3: done
  for (const [index, el] of document.querySelectorAll("#steps li").entries()) {
    el.classList.toggle("done", index < step);
    el.classList.toggle("current", index === step);
  }
}

function renderGeneration(generation) {
  view.generation = generation;
  const status = String(generation.status ?? "");
  if (status === "COMPLETED") return renderCompleted(generation);
  if (status === "FAILED" || status === "REJECTED") return renderFailed(generation, STATUS_WORDS[status]);
  renderRunning(generation);
}

function renderRunning(generation) {
  const status = String(generation.status ?? "PENDING");
  setText("run-status", STATUS_WORDS[status] ?? status);
  setText("run-model", generation.model ?? "");
  toggle("run-model-row", Boolean(generation.model));
  setText("run-id", generation.id ?? "");
  toggle("run-id-row", Boolean(generation.id));
  setStep(status === "PROCESSING" ? 2 : 1);
  const percent = Number(generation.progress_percent);
  toggle("run-percent-row", Number.isFinite(percent));
  if (Number.isFinite(percent)) setText("run-percent", `${percent.toFixed(0)} %`);
  if (canCallTools()) {
    setText("run-note", view.lastChecked ? `Checked ${clock(view.lastChecked)}; following it here.` : "Following it here.");
  } else {
    setText("run-note", "Ask to check this generation again to see its result.");
  }
  show("running");
  tick();
  follow(generation.id);
}

function renderCompleted(generation) {
  stopFollowing();
  const video = $("player");
  const url = httpUrl(generation.outputUrl);
  setText("done-id", generation.id ?? "");
  setText("done-model", generation.model ?? "");
  toggle("done-model-row", Boolean(generation.model));
  const duration = Number(generation.outputDuration);
  setText("done-duration", Number.isFinite(duration) ? `${duration.toFixed(1)} s` : "");
  toggle("done-duration-row", Number.isFinite(duration));
  toggle("video-problem", false);
  toggle("save-result", false);
  toggle("take-confirm", false);
  toggle("take", true);
  $("save").disabled = !canCallTools();
  $("take").disabled = !canCallTools() || !Array.isArray(generation.input);
  $("open").disabled = !url;
  if (url && video.getAttribute("src") !== url.href) video.setAttribute("src", url.href);
  if (!url) showVideoProblem("The result has no playable video URL.");
  show("completed");
}

function renderFailed(subject, heading) {
  stopFollowing();
  setText("fail-heading", heading ?? "Failed");
  setText("fail-code", subject.errorCode ?? "unknown_error");
  const message = subject.error ?? subject.message ?? "";
  setText("fail-message", message);
  toggle("fail-message", Boolean(message));
  setText("fail-fix", subject.fix ?? "No fix is known for this error code; the message above says what happened.");
  setText("fail-id", subject.id ?? subject.generationId ?? "");
  toggle("fail-id-row", Boolean(subject.id ?? subject.generationId));
  show("failed");
}

function renderResult(result) {
  const got = payload(result);
  if (!got) return;
  if (got.error) return renderFailed(got.error, "The call did not succeed");
  if (isUpload(got.generation)) return upload.render(got.generation);
  if (got.generation.status) return renderGeneration(got.generation);
}

function showVideoProblem(text) {
  setText("video-problem-text", text);
  toggle("video-problem", true);
}

function tick() {
  if (document.body.dataset.state !== "running") return;
  const created = Date.parse(view.generation?.createdAt ?? "");
  const since = Number.isFinite(created) ? created : view.startedAt;
  setText("run-elapsed", seconds(Date.now() - since));
}

// -------------------------------------------------------------------------------------- following a job

function stopFollowing() {
  clearTimeout(view.pollTimer);
  view.pollTimer = null;
  view.followed = null;
}

function follow(id) {
  if (!id || !canCallTools()) return;
  if (view.followed !== id) {
    stopFollowing();
    view.followed = id;
    view.pollCount = 0;
  }
  if (view.pollTimer) return;
  const delay = POLL_STEPS_MS[Math.min(view.pollCount, POLL_STEPS_MS.length - 1)];
  view.pollTimer = setTimeout(() => poll(id), delay);
}

async function poll(id) {
  view.pollTimer = null;
  if (view.followed !== id) return;
  if (document.hidden) return follow(id); // no requests while nobody looks
  view.pollCount += 1;
  try {
    const result = await app.callServerTool({ name: "get_generation", arguments: { id, wait: false } });
    if (view.followed !== id) return;
    view.lastChecked = new Date();
    const got = payload(result);
    if (got?.error && !got.error.retryable) return renderFailed({ id, ...got.error }, "Could not read the generation");
    if (got?.generation) return renderGeneration(got.generation);
  } catch (error) {
    setText("run-note", `The host could not reach the server (${error?.message ?? error}); retrying.`);
  }
  follow(id);
}

// -------------------------------------------------------------------------------------------- actions

async function save() {
  const id = view.generation?.id;
  if (!id) return;
  const button = $("save");
  button.disabled = true;
  setText("save-result", "Saving…");
  toggle("save-result", true);
  $("save-result").classList.remove("problem");
  try {
    const got = payload(await app.callServerTool({ name: "download_output", arguments: { id } }));
    if (got?.error) {
      $("save-result").classList.add("problem");
      setText("save-result", `Not saved: ${got.error.message ?? got.error.errorCode}. ${got.error.fix ?? ""}`.trim());
    } else if (got?.generation?.downloadUrl) {
      // A remote user: the server handed a download link instead of writing its own disk; the host opens it.
      const link = got.generation;
      setText("save-result", `Download ready: ${link.fileName}, opened in your browser.`);
      app.openLink({ url: link.downloadUrl }).catch(() => setText("save-result", `Download: ${link.downloadUrl}`));
    } else {
      const saved = got?.generation ?? {};
      const size = Number(saved.sizeBytes);
      const sizeText = Number.isFinite(size) ? ` (${(size / 1024).toFixed(1)} KiB)` : "";
      setText("save-result", `Saved to ${saved.path ?? "the output folder"}${sizeText}.`);
    }
  } catch (error) {
    $("save-result").classList.add("problem");
    setText("save-result", `Not saved: ${error?.message ?? error}`);
  } finally {
    button.disabled = false;
  }
}

function takeBody(generation) {
  const body = { model: generation.model, input: generation.input };
  for (const key of ["options", "segments", "outputFileName", "projectId"]) {
    if (generation[key] != null) body[key] = generation[key];
  }
  return body;
}

async function anotherTake() {
  const generation = view.generation;
  if (!generation) return;
  toggle("take-confirm", false);
  toggle("take", true);
  $("take").disabled = true;
  try {
    const result = await app.callServerTool({ name: "create_generation", arguments: takeBody(generation) });
    const got = payload(result);
    if (got?.error) return renderFailed(got.error, "Another take was not started");
    if (got?.generation) {
      view.startedAt = Date.now();
      view.lastChecked = null;
      renderGeneration(got.generation);
    }
  } catch (error) {
    showVideoProblem(`Another take was not started: ${error?.message ?? error}`);
  } finally {
    $("take").disabled = false;
  }
}

// ------------------------------------------------------------------------------------------- host wiring

function applyContext(context) {
  if (!context) return;
  if (context.theme) applyDocumentTheme(context.theme);
  if (context.styles?.variables) applyHostStyleVariables(context.styles.variables);
  if (context.styles?.css?.fonts) applyHostFonts(context.styles.css.fonts);
  const box = context.containerDimensions;
  if (box && "maxHeight" in box && box.maxHeight) document.documentElement.style.maxHeight = `${box.maxHeight}px`;
  if (box && "maxWidth" in box && box.maxWidth) document.documentElement.style.maxWidth = `${box.maxWidth}px`;
}

function wire() {
  upload.wire();
  $("save").addEventListener("click", save);
  $("take").addEventListener("click", () => {
    toggle("take", false);
    toggle("take-confirm", true);
  });
  $("take-yes").addEventListener("click", anotherTake);
  $("take-no").addEventListener("click", () => {
    toggle("take-confirm", false);
    toggle("take", true);
  });
  $("open").addEventListener("click", () => {
    const url = httpUrl(view.generation?.outputUrl);
    if (url) app.openLink({ url: url.href }).catch(() => showVideoProblem(`Open ${url.href} in a browser.`));
  });
  const video = $("player");
  video.addEventListener("error", () => {
    const url = httpUrl(video.getAttribute("src"));
    const origin = url ? url.origin : "its domain";
    showVideoProblem(
      `The video could not be played here: the host may not allow media from ${origin}. ` +
        `Open it in the browser, or add ${origin} to SYNC_MCP_MEDIA_DOMAINS in the server's settings.`,
    );
  });
  video.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(video.duration) && !$("done-duration").textContent) {
      setText("done-duration", `${video.duration.toFixed(1)} s`);
      toggle("done-duration-row", true);
    }
  });
  setInterval(tick, 1000);
}

app.ontoolinput = (params) => renderInput(params.arguments);
app.ontoolresult = (result) => renderResult(result);
app.ontoolcancelled = (params) => {
  const id = view.generation?.id;
  renderFailed(
    {
      errorCode: "call_cancelled",
      message: params?.reason ?? "The tool call was cancelled.",
      fix: id
        ? `Cancelling stops the wait, not the generation: it may still finish. Check it with get_generation id=${id}.`
        : "Nothing was started by this view; ask again to retry.",
      id,
    },
    "Cancelled",
  );
};
app.onhostcontextchanged = applyContext;
app.onteardown = async () => {
  stopFollowing();
  return {};
};

wire();
show("waiting");
app
  .connect()
  .then(() => applyContext(app.getHostContext()))
  .catch((error) => setText("waiting-text", `Could not connect to the host: ${error?.message ?? error}`));
