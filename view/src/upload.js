// The view's upload state, shown next to a call of `upload_media`: a drop zone (and file picker) that sends the
// user's file through an upload link with a progress bar, then asks the host, in a chat message, to call
// `lipsync` with the new asset. The first file uses the link the call returned; every further file gets a new
// link from `upload_media`, called through the host. The PUT goes to this server's own origin, the one
// origin the view's CSP (`connectDomains`) lets it reach.

const $ = (id) => document.getElementById(id);
const ROLES = { VIDEO: "video", IMAGE: "image", AUDIO: "audio" };

/** Whether a tool result's data is one of `upload_media`'s (an asset, or an upload link and its state). */
export function isUpload(data) {
  return Boolean(data) && typeof data.state === "string" && !("status" in data) && "nextStep" in data;
}

/** Whether a tool call's arguments are `upload_media`'s: no generation media, no generation id. */
export function isUploadCall(app, args) {
  const tool = app.getHostContext()?.toolInfo?.tool?.name;
  if (tool) return tool === "upload_media";
  return !["video", "image", "audio", "script", "id", "input", "model"].some((key) => args?.[key] != null);
}

function status(text, problem = false) {
  const el = $("upload-status");
  el.textContent = text;
  el.classList.toggle("problem", problem);
}

function put(url, file) {
  // XMLHttpRequest rather than fetch: only it reports the upload's progress.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const bar = $("upload-progress");
    xhr.open("PUT", url);
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    if (file.type) xhr.setRequestHeader("Content-Type", file.type);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = (100 * event.loaded) / event.total;
    };
    xhr.onload = () => {
      let reply;
      try {
        reply = JSON.parse(xhr.responseText);
      } catch {
        reply = { message: xhr.statusText || `HTTP ${xhr.status}` };
      }
      if (xhr.status === 200 && reply.assetId) resolve(reply);
      else reject(new Error(reply.message ?? `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => {
      const origin = new URL(url).origin;
      const why = "the connection was lost, or this host does not let the view connect there";
      reject(new Error(`could not reach ${origin}: ${why}`));
    };
    xhr.send(file);
  });
}

export function uploads(app, { show, payload }) {
  const state = { link: null, assets: [], busy: false };

  function canCallTools() {
    return Boolean(app.getHostCapabilities()?.serverTools);
  }

  function listAsset(asset) {
    state.assets.push(asset);
    const item = document.createElement("li");
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = asset.type ?? "FILE";
    const name = document.createElement("span");
    name.textContent = asset.name ?? "";
    const id = document.createElement("code");
    id.textContent = asset.assetId;
    item.append(kind, name, id);
    $("uploaded").append(item);
    $("use").disabled = !state.assets.some((a) => a.type === "VIDEO" || a.type === "IMAGE");
  }

  function waiting() {
    show("upload");
    status("Getting an upload link…");
  }

  function render(data) {
    show("upload");
    if (data.state === "waiting" && data.uploadUrl) {
      state.link = data;
      const expires = Date.parse(data.expiresAt ?? "");
      const until = Number.isFinite(expires)
        ? ` The link works once, until ${new Date(expires).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}.`
        : "";
      status(`Ready for your file.${until}`);
    } else if (data.state === "done" && data.assetId) {
      listAsset({ name: data.name, type: data.type, assetId: data.assetId });
      status("Uploaded. Add another file, or lip-sync with these.");
    } else if (data.state === "failed") {
      status(`The upload failed: ${data.reason ?? "no reason given"}. Drop the file again for a new link.`, true);
    } else if (data.state === "receiving") {
      status("A file is being uploaded through this link.");
    }
  }

  async function newLink() {
    if (!canCallTools()) throw new Error("this host cannot call the server's tools; ask the assistant for a link");
    const got = payload(await app.callServerTool({ name: "upload_media", arguments: {} }));
    if (got?.error) throw new Error(`${got.error.message ?? got.error.errorCode} ${got.error.fix ?? ""}`.trim());
    if (!got?.generation?.uploadUrl) throw new Error("the server gave no upload link");
    return got.generation;
  }

  async function send(file) {
    if (!file || state.busy) return;
    state.busy = true;
    const drop = $("drop");
    const bar = $("upload-progress");
    drop.classList.add("busy");
    bar.value = 0;
    try {
      const link = state.link ?? (status("Getting an upload link…"), await newLink());
      state.link = null; // a link works once, whatever happens to this upload
      bar.hidden = false;
      status(`Uploading ${file.name}…`);
      const reply = await put(link.uploadUrl, file);
      bar.value = 100;
      listAsset({ name: file.name, type: reply.type, assetId: reply.assetId });
      status(`Uploaded ${file.name}. Add another file, or lip-sync with these.`);
    } catch (error) {
      status(`Not uploaded: ${error?.message ?? error}`, true);
    } finally {
      state.busy = false;
      drop.classList.remove("busy");
      $("file").value = "";
    }
  }

  function request() {
    const latest = {};
    for (const asset of state.assets) latest[ROLES[asset.type] ?? "video"] = asset;
    const face = latest.video ?? latest.image;
    if (!face) return null;
    const role = latest.video ? "video" : "image";
    const args = [`${role}=${face.assetId}`];
    if (latest.audio) args.push(`audio=${latest.audio.assetId}`);
    const names = [face, latest.audio].filter(Boolean).map((a) => a.name).filter(Boolean).join(" and ");
    const what = names ? `I uploaded ${names}. ` : "";
    if (latest.audio) return `${what}Please lip-sync them: call lipsync with ${args.join(" and ")}.`;
    return `${what}Please lip-sync it: ask me for the audio file or the words to speak, then call lipsync with ${args[0]}.`;
  }

  async function use() {
    const text = request();
    if (!text) return;
    const result = $("use-result");
    result.hidden = false;
    result.classList.remove("problem");
    if (!app.getHostCapabilities()?.message) {
      result.textContent = `Ask the assistant: “${text}”`;
      return;
    }
    $("use").disabled = true;
    try {
      const sent = await app.sendMessage({ role: "user", content: [{ type: "text", text }] });
      if (sent?.isError) throw new Error("the host did not take the message");
      result.textContent = `Sent to the chat: “${text}”`;
    } catch (error) {
      result.classList.add("problem");
      result.textContent = `Not sent (${error?.message ?? error}). Ask the assistant: “${text}”`;
    } finally {
      $("use").disabled = false;
    }
  }

  function wire() {
    const drop = $("drop");
    $("file").addEventListener("change", (event) => send(event.target.files?.[0]));
    drop.addEventListener("dragover", (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      send(event.dataTransfer?.files?.[0]);
    });
    $("use").addEventListener("click", use);
  }

  return { wire, waiting, render };
}
