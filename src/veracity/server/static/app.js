// Veracity web page: plain JavaScript, no framework, no build step. Untrusted text (documents,
// answers) is only ever inserted with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { key: localStorage.getItem("veracity.key") || "", collection: "", session: {} };

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (state.key) h["Authorization"] = "Bearer " + state.key;
  return h;
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = headers(opts.headers);
  const r = await fetch(path, opts);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
  return body;
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function col() { return "/api/collections/" + encodeURIComponent(state.collection); }

async function loadCollections() {
  try {
    const body = await api("/api/collections");
    const select = $("collection");
    select.replaceChildren();
    for (const c of body.collections) {
      const o = document.createElement("option");
      o.value = c.name;
      o.textContent = c.name + " (" + c.documents + " docs)";
      select.appendChild(o);
    }
    if (!body.collections.some((c) => c.name === state.collection)) {
      state.collection = body.collections.length ? body.collections[0].name : "";
    }
    select.value = state.collection;
    status(body.admin ? "open local server (no API keys)" : "signed in with an API key");
    await loadDocs();
  } catch (e) {
    status(e.message, true);
  }
}

async function loadDocs() {
  const list = $("docs");
  list.replaceChildren();
  if (!state.collection) return;
  const body = await api(col() + "/documents");
  for (const d of body.documents) {
    const li = document.createElement("li");
    li.dataset.id = d.id;
    const name = document.createElement("span");
    name.textContent = d.name;
    if (d.labels.length) {
      const lab = document.createElement("span");
      lab.className = "labels";
      lab.textContent = " [" + d.labels.join(", ") + "]";
      name.appendChild(lab);
    }
    const del = document.createElement("button");
    del.type = "button";
    del.className = "delete";
    del.textContent = "Delete";
    del.setAttribute("aria-label", "delete " + d.name);
    del.addEventListener("click", async () => {
      if (!confirm("Delete " + d.name + "?")) return;
      try { await api(col() + "/documents/" + d.id, { method: "DELETE" }); await loadCollections(); }
      catch (e) { status(e.message, true); }
    });
    li.append(name, del);
    list.appendChild(li);
  }
}

function upload(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) { $("upload-msg").textContent = "choose a file first"; return; }
  const form = new FormData();
  form.append("file", file);
  if ($("labels").value.trim()) form.append("labels", $("labels").value.trim());
  const xhr = new XMLHttpRequest();
  const bar = $("progress");
  bar.hidden = false;
  bar.value = 0;
  $("upload-msg").textContent = "uploading " + file.name + "...";
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.upload.onload = () => { bar.value = 100; $("upload-msg").textContent = "ingesting " + file.name + "..."; };
  xhr.onload = async () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status >= 200 && xhr.status < 300) {
      const r = body.report;
      $("upload-msg").textContent = "ingested " + file.name + ": " + r.added + " added, " + r.updated +
        " updated, " + r.unchanged + " unchanged, " + r.failed.length + " failed";
      $("file").value = "";
      await loadCollections();
    } else {
      $("upload-msg").textContent = (body.error && body.error.message) || ("upload failed: HTTP " + xhr.status);
    }
  };
  xhr.onerror = () => { $("upload-msg").textContent = "upload failed: network error"; };
  xhr.open("POST", col() + "/documents");
  const h = headers();
  for (const k in h) xhr.setRequestHeader(k, h[k]);
  xhr.send(form);
}

function bubble(cls, text) {
  const div = document.createElement("div");
  div.className = "msg " + cls;
  div.textContent = text;
  $("log").appendChild(div);
  $("log").scrollTop = $("log").scrollHeight;
  return div;
}

// The answer text with each [n] marker turned into a button that opens citation n.
function renderAnswer(div, answer) {
  div.replaceChildren();
  div.className = "msg answer" + (answer.abstained ? " abstained" : "");
  const byN = {};
  for (const c of answer.citations) byN[c.n] = c;
  const parts = answer.answer.split(/(\[\d+\])/);
  for (const part of parts) {
    const m = /^\[(\d+)\]$/.exec(part);
    if (m && byN[m[1]]) div.appendChild(citeButton(byN[m[1]]));
    else div.appendChild(document.createTextNode(part));
  }
  if (answer.closest) {
    // An abstention's nearest passage: shown for the reader to judge, never as the answer.
    const near = document.createElement("div");
    near.className = "closest";
    near.appendChild(document.createTextNode("Closest passage (not confirmed as an answer): \u201c" +
      answer.closest.text.split(/\s+/).join(" ") + "\u201d "));
    near.appendChild(citeButton(answer.closest));
    div.appendChild(near);
  }
  if (answer.citations.length) {
    const src = document.createElement("div");
    src.className = "sources";
    for (const c of answer.citations) {
      const line = document.createElement("div");
      line.appendChild(citeButton(c));
      const name = c.uri.split("/").pop() || c.uri;
      line.appendChild(document.createTextNode(" " + name + (c.page ? ", page " + c.page : "")));
      src.appendChild(line);
    }
    div.appendChild(src);
  }
  // What shaped the answer that it does not say itself: a passage kept out as a possible
  // injection (so "the documents don't say" may be wrong), a question answered with care.
  for (const w of answer.warnings || []) {
    const note = document.createElement("div");
    note.className = "note";
    note.textContent = "Note: " + w;
    div.appendChild(note);
  }
}

function citeButton(c) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "cite";
  b.textContent = "[" + c.n + "]";
  b.title = "open source " + c.n;
  b.addEventListener("click", () => openSource(c));
  return b;
}

async function openSource(c) {
  try {
    const q = "?start=" + c.start + "&end=" + c.end + "&context=600";
    const w = await api(col() + "/documents/" + c.document + "/text" + q);
    $("source-title").textContent = "[" + c.n + "] " + w.name;
    $("source-page").textContent = w.page ? "page " + w.page + (w.pages ? " of " + w.pages : "") : "";
    const pre = $("source-text");
    const t = w.text;
    const mark = document.createElement("mark");
    mark.textContent = t.slice(w.highlight.start, w.highlight.end);
    pre.replaceChildren(
      document.createTextNode((w.offset > 0 ? "..." : "") + t.slice(0, w.highlight.start)),
      mark,
      document.createTextNode(t.slice(w.highlight.end) + (w.offset + t.length < w.length ? "..." : "")),
    );
    $("source").hidden = false;
    mark.scrollIntoView({ block: "center" });
  } catch (e) {
    status(e.message, true);
  }
}

async function ensureSession() {
  if (!state.session[state.collection]) {
    const s = await api(col() + "/chats", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title: "web" }),
    });
    state.session[state.collection] = s.id;
  }
  return state.session[state.collection];
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question || !state.collection) return;
  $("question").value = "";
  bubble("user", question);
  const div = bubble("answer", "");
  $("ask-btn").disabled = true;
  try {
    const session_id = await ensureSession();
    const r = await fetch(col() + "/ask", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ question, stream: true, session_id }),
    });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
    }
    await readEvents(r.body, (event, data) => {
      if (event === "token") div.textContent += data.text;
      else if (event === "final") renderAnswer(div, data);
      else if (event === "error") throw new Error(data.error.message);
      $("log").scrollTop = $("log").scrollHeight;
    });
  } catch (e) {
    div.className = "msg answer error";
    div.textContent = e.message;
  } finally {
    $("ask-btn").disabled = false;
  }
}

// Server-sent events over a fetch body (EventSource cannot POST or send headers).
async function readEvents(stream, onEvent) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) onEvent(event, JSON.parse(data));
    }
  }
}

window.addEventListener("DOMContentLoaded", () => {
  $("key").value = state.key;
  $("key").addEventListener("change", () => {
    state.key = $("key").value.trim();
    localStorage.setItem("veracity.key", state.key);
    state.session = {};
    loadCollections();
  });
  $("collection").addEventListener("change", () => {
    state.collection = $("collection").value;
    loadDocs().catch((e) => status(e.message, true));
  });
  $("upload-form").addEventListener("submit", upload);
  $("ask-form").addEventListener("submit", ask);
  $("new-chat").addEventListener("click", () => { delete state.session[state.collection]; $("log").replaceChildren(); });
  $("source-close").addEventListener("click", () => { $("source").hidden = true; });
  loadCollections();
});
