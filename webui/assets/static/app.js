// Switchboard web panel. Data from the server is only ever written with
// textContent, never parsed as HTML.
"use strict";

function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}

function setupEditor(area) {
  const gutter = document.getElementById("gutter");
  const status = document.getElementById("validation");
  const list = document.getElementById("live-errors");
  let timer = 0;
  let seq = 0;

  function drawGutter(badLines) {
    const n = area.value.split("\n").length;
    gutter.replaceChildren();
    for (let i = 1; i <= n; i++) {
      const s = document.createElement("span");
      s.textContent = String(i) + "\n";
      if (badLines.has(i)) { s.className = "bad"; }
      gutter.appendChild(s);
    }
    gutter.scrollTop = area.scrollTop;
  }

  function selectLine(line) {
    const lines = area.value.split("\n");
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }

  function show(errors) {
    list.replaceChildren();
    const bad = new Set();
    for (const e of errors) {
      const li = document.createElement("li");
      li.textContent = (e.line ? "line " + e.line + ": " : "") + e.path + ": " + e.msg;
      if (e.line) {
        bad.add(e.line);
        li.addEventListener("click", () => selectLine(e.line));
      }
      list.appendChild(li);
    }
    status.textContent = errors.length ? errors.length + " error(s): nothing will be applied" : "No errors";
    status.className = "validation " + (errors.length ? "bad" : "ok");
    drawGutter(bad);
  }

  async function validate() {
    const mine = ++seq;
    try {
      const res = await fetch(area.dataset.validate, {
        method: "POST",
        headers: { "Content-Type": "application/yaml", "X-CSRF-Token": csrfToken() },
        body: area.value,
        credentials: "same-origin",
      });
      const body = await res.json();
      if (mine === seq) { show(res.ok ? body.errors : [{ line: 0, path: "(request)", msg: body.error }]); }
    } catch (err) {
      if (mine === seq) { show([{ line: 0, path: "(request)", msg: String(err) }]); }
    }
  }

  area.addEventListener("input", () => {
    drawGutter(new Set());
    clearTimeout(timer);
    timer = setTimeout(validate, 300);
  });
  area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
  drawGutter(new Set());
  validate();
}

document.addEventListener("DOMContentLoaded", () => {
  const area = document.getElementById("yaml");
  if (area) { setupEditor(area); }
});

async function postJSON(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).error; } catch (e) { /* keep the status text */ }
    throw new Error(msg);
  }
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}

// unconfirmed labels what came only through an identity a visitor typed
// in a form and nobody confirmed since (the console's customer page has
// the button that confirms it).
function unconfirmed() {
  const s = el("span", "unconfirmed — typed by the visitor", "badge unconfirmed");
  s.title = "A visitor typed this in a form: it may be someone else's. It is confirmed when the customer writes or calls from it, or by an agent on the customer's page.";
  return s;
}

// identity shows one identity of a customer, labelled when unconfirmed.
function identity(id) {
  const s = el("span", id.kind + ": " + id.value, id.verified ? "ident" : "ident unconfirmed");
  if (!id.verified) { s.append(document.createTextNode(" "), unconfirmed()); }
  return s;
}

// entryDetail shows what a timeline entry holds beyond its summary (the
// chat's transcript, the email thread, the call's IVR path, queue, agent
// and outcome), or returns null when it holds nothing more. Every value
// is set as text: visitors and callers wrote some of them.
function entryDetail(e) {
  const keys = Object.keys(e.detail || {}).sort();
  if (keys.length === 0) { return null; }
  const d = el("details", undefined, "entry-detail");
  d.appendChild(el("summary", "Details"));
  const dl = el("dl");
  for (const k of keys) {
    if (k === "transcript" || k === "conversation") { continue; }
    dl.append(el("dt", k), el("dd", e.detail[k]));
  }
  d.appendChild(dl);
  if (e.detail.conversation) {
    const a = el("a", "Open the email thread #" + e.detail.conversation);
    a.href = "/console/emails/" + encodeURIComponent(e.detail.conversation);
    const p = el("p");
    p.appendChild(a);
    d.appendChild(p);
  }
  if (e.detail.transcript) { d.appendChild(el("pre", e.detail.transcript, "transcript")); }
  return d;
}

function presenceControl(agent, current, status) {
  const sel = el("select");
  for (const p of ["available", "away", "offline"]) { sel.appendChild(el("option", p)); }
  sel.value = current;
  const btn = el("button", "Set");
  btn.type = "button";
  btn.addEventListener("click", async () => {
    const body = { presence: sel.value };
    if (sel.value === "away") { body.reason = "supervisor"; }
    try {
      await postJSON("/api/v1/agents/" + encodeURIComponent(agent) + "/presence", body);
    } catch (err) {
      status.textContent = "Could not change " + agent + ": " + err.message;
    }
  });
  const span = el("span");
  span.append(sel, btn);
  return span;
}

// superviseControl joins the supervisor's desk phone (#my-extension) to the
// agent's live call: listen, whisper or barge.
function superviseControl(agent, status) {
  const sel = el("select");
  for (const m of ["listen", "whisper", "barge"]) { sel.appendChild(el("option", m)); }
  const btn = el("button", "Join call");
  btn.type = "button";
  btn.addEventListener("click", async () => {
    const ext = document.getElementById("my-extension").value.trim();
    if (!ext) { status.textContent = "Give your desk phone's extension first."; return; }
    localStorage.setItem("sb-my-extension", ext);
    try {
      await postJSON("/api/v1/agents/" + encodeURIComponent(agent) + "/supervise", { mode: sel.value, extension: ext });
      status.textContent = "Ringing " + ext + " to " + sel.value + " to " + agent + "'s call (1, 2, 3 on the phone switch modes).";
    } catch (err) {
      status.textContent = "Could not join " + agent + "'s call: " + err.message;
    }
  });
  const span = el("span", undefined, "supervise");
  span.append(sel, btn);
  return span;
}

function setupWallboard(root) {
  const mine = document.getElementById("my-extension");
  if (mine) { mine.value = localStorage.getItem("sb-my-extension") || ""; }
  const status = document.getElementById("wallboard-status");
  let pending = false;

  function drawQueues(queues) {
    const box = document.getElementById("queues");
    box.replaceChildren();
    if (queues.length === 0) { box.appendChild(el("p", "No queues.")); }
    for (const q of queues) {
      const card = el("div", undefined, "queue" + (q.breach ? " breach" : ""));
      card.dataset.queue = q.name;
      card.appendChild(el("h2", q.name, "qname"));
      const figs = el("div", undefined, "figures");
      for (const [key, value, label] of [
        ["waiting", q.waiting, "waiting"],
        ["longest_wait", q.longest_wait, "longest wait"],
        ["service_percent", q.service_percent + "%", "service level today"],
        ["abandoned", q.abandoned, "abandoned"],
      ]) {
        const d = el("div");
        const big = el("span", value, "huge");
        big.dataset.f = key;
        d.append(big, el("span", label));
        figs.appendChild(d);
      }
      card.appendChild(figs);
      box.appendChild(card);
    }
  }

  function drawAgents(agents) {
    const body = document.querySelector("#agents tbody");
    body.replaceChildren();
    for (const a of agents) {
      const tr = el("tr");
      tr.dataset.agent = a.name;
      const pres = el("td");
      pres.append(el("span", a.presence, "badge p-" + a.presence), document.createTextNode(" " + (a.reason || "")));
      const ctl = el("td", undefined, "presence-cell");
      ctl.append(presenceControl(a.name, a.presence, status), superviseControl(a.name, status));
      tr.append(el("td", a.name), pres, el("td", a.held), el("td", a.in_state), el("td", a.free_capacity), ctl);
      body.appendChild(tr);
    }
  }

  async function refresh() {
    pending = false;
    try {
      const res = await fetch(root.dataset.snapshot, { credentials: "same-origin" });
      const snap = await res.json();
      drawQueues(snap.queues);
      drawAgents(snap.agents);
      status.textContent = "Live · updated " + new Date().toLocaleTimeString();
    } catch (err) {
      status.textContent = "Update failed: " + err.message;
    }
  }

  function soon() {
    if (!pending) { pending = true; setTimeout(refresh, 200); }
  }

  for (const tr of document.querySelectorAll("#agents tbody tr")) {
    tr.querySelector(".presence-cell").append(presenceControl(tr.dataset.agent, tr.dataset.presence, status),
      superviseControl(tr.dataset.agent, status));
  }
  const es = new EventSource(root.dataset.events);
  es.addEventListener("queue", soon);
  es.addEventListener("agent", soon);
  es.addEventListener("open", () => { status.textContent = "Live"; soon(); });
  es.addEventListener("error", () => { status.textContent = "Reconnecting…"; });
  setInterval(refresh, 15000); // time-in-state counters move without events
}

function setupPresence(box) {
  for (const btn of box.querySelectorAll("button[data-presence]")) {
    btn.addEventListener("click", async () => {
      const body = { presence: btn.dataset.presence };
      if (body.presence === "away") { body.reason = document.getElementById("away-reason").value; }
      try {
        await postJSON("/api/v1/me/presence", body);
        location.reload();
      } catch (err) {
        document.getElementById("my-presence").textContent = "error: " + err.message;
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const wb = document.getElementById("wallboard");
  if (wb) { setupWallboard(wb); }
  const pres = document.getElementById("presence");
  if (pres) { setupPresence(pres); }
});

function setupChat(box) {
  const status = document.getElementById("chat-status");
  const list = document.getElementById("chat-list");
  const cards = new Map();
  let ws = null;
  let cid = 0;

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); }
  }

  function card(summary) {
    let c = cards.get(summary.id);
    if (!c) {
      c = { root: el("div", undefined, "chat-card"), summary: summary, loaded: false };
      c.root.dataset.chat = summary.id;
      c.title = el("h3");
      c.meta = el("div", undefined, "muted");
      c.actions = el("div");
      c.log = el("ul", undefined, "chat-log");
      c.history = el("ul", undefined, "chat-history");
      c.root.append(c.title, c.meta, c.actions, c.log, c.history);
      cards.set(summary.id, c);
      list.appendChild(c.root);
    }
    c.summary = summary;
    c.title.textContent = summary.name || "Visitor";
    c.meta.textContent = [summary.queue, summary.intent, summary.email, summary.phone].filter(Boolean).join(" · ");
    return c;
  }

  function button(text, cls, onClick) {
    const b = el("button", text, cls);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function showOffer(c) {
    c.root.className = "chat-card offered";
    c.actions.replaceChildren(
      button("Accept", "", () => send({ type: "accept", chat: c.summary.id })),
      document.createTextNode(" "),
      button("Decline", "danger", () => { send({ type: "decline", chat: c.summary.id }); remove(c.summary.id); }),
    );
  }

  function addMessage(c, m) {
    const li = el("li", m.text, "from-" + m.from);
    li.dataset.seq = m.seq;
    c.log.appendChild(li);
    c.log.scrollTop = c.log.scrollHeight;
  }

  async function showActive(c) {
    c.root.className = "chat-card active";
    const input = el("input");
    input.placeholder = "Type a reply";
    input.maxLength = 4000;
    const form = el("form", undefined, "chat-send");
    form.append(input, button("Send", "", () => form.requestSubmit()));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (!input.value) { return; }
      send({ type: "msg", chat: c.summary.id, text: input.value, cid: "c" + (++cid) });
      input.value = "";
    });
    const disp = el("select");
    for (const d of ["resolved", "follow-up", "no-reply"]) { disp.appendChild(el("option", d)); }
    c.actions.replaceChildren(form, disp, button("Close", "danger", () => send({ type: "close", chat: c.summary.id, disposition: disp.value })));
    if (c.loaded) { return; }
    c.loaded = true;
    try {
      const res = await fetch(box.dataset.api + "/chats/" + encodeURIComponent(c.summary.id), { credentials: "same-origin" });
      const d = await res.json();
      c.log.replaceChildren();
      for (const m of d.messages || []) { addMessage(c, m); }
      c.history.replaceChildren();
      for (const e of (d.timeline || []).slice(0, 5)) {
        const li = el("li", new Date(e.at).toLocaleString() + " · " + e.channel + " · " + e.summary);
        if (e.unconfirmed) { li.className = "unconfirmed"; li.append(document.createTextNode(" "), unconfirmed()); }
        const more = entryDetail(e);
        if (more) { li.appendChild(more); }
        c.history.appendChild(li);
      }
    } catch (err) {
      status.textContent = "Could not load the chat: " + err.message;
    }
  }

  function place(summary) {
    const c = card(summary);
    if (summary.offered) { showOffer(c); } else { showActive(c); }
  }

  function remove(id) {
    const c = cards.get(id);
    if (c) { c.root.remove(); cards.delete(id); }
  }

  function onFrame(f) {
    switch (f.type) {
      case "hello":
        for (const s of f.chats || []) { place(s); }
        status.textContent = "Connected: chats will be offered here.";
        break;
      case "offer":
        place(f.chat);
        break;
      case "msg": {
        const c = cards.get(f.chat);
        if (c) { addMessage(c, f.msg); }
        break;
      }
      case "state":
        if (f.state === "active" && f.summary) {
          place(Object.assign({}, f.summary, { offered: false }));
        } else if (f.state !== "active") {
          remove(f.chat);
        }
        break;
      case "away":
        remove(f.chat);
        status.textContent = "An offer was not answered in time: you are away for chats.";
        break;
      case "error":
        status.textContent = "Chat error: " + f.error;
        break;
    }
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + box.dataset.ws;
    ws = new WebSocket(url);
    ws.addEventListener("message", (ev) => {
      try { onFrame(JSON.parse(ev.data)); } catch (err) { status.textContent = "Bad frame: " + err.message; }
    });
    ws.addEventListener("close", () => {
      status.textContent = "Disconnected, reconnecting…";
      setTimeout(connect, 3000);
    });
  }
  connect();
}

document.addEventListener("DOMContentLoaded", () => {
  const chat = document.getElementById("chat");
  if (chat) { setupChat(chat); }
});

// The screen pop: every item offered to or held by the agent, with the
// caller, queue, intent and IVR path, and the customer's record and
// history across channels, newest first. Calls are answered on the desk
// phone; the console only shows them.
function setupItems(box) {
  const status = document.getElementById("items-status");
  const list = document.getElementById("item-list");

  function stateText(it) {
    if (it.state === "held") { return it.channel === "voice" ? "On the call" : "Yours"; }
    if (it.channel === "voice" || it.channel === "callback") { return "Ringing your desk phone"; }
    return "Offered to you";
  }

  function fact(dl, label, value) {
    if (!value) { return; }
    dl.append(el("dt", label), el("dd", value));
  }

  function card(it) {
    const c = el("article", undefined, "item-card " + it.state);
    c.dataset.item = it.id;
    c.dataset.state = it.state;
    const head = el("h3");
    head.append(el("span", stateText(it), "badge st-" + it.state), document.createTextNode(" "),
      el("span", it.channel, "badge ch-" + it.channel), document.createTextNode(" "));
    const who = el("span", it.caller || "Unknown caller", "caller");
    head.appendChild(who);
    if (it.caller_name) { head.appendChild(el("span", " (" + it.caller_name + ")", "muted")); }
    c.appendChild(head);
    const dl = el("dl", undefined, "facts");
    fact(dl, "Queue", it.queue);
    fact(dl, "Intent", it.intent);
    fact(dl, "IVR path", (it.path || []).join(" › "));
    fact(dl, "Number dialled", it.did);
    fact(dl, "Flow", it.flow);
    fact(dl, "Subject", it.subject);
    for (const [k, v] of Object.entries(it.digits || {})) { fact(dl, k, v); }
    fact(dl, "Waiting since", new Date(it.arrived).toLocaleTimeString());
    c.appendChild(dl);
    if (it.id.startsWith("mail:")) {
      const a = el("a", "Open the email and reply", "open-email");
      a.href = "/console/emails/" + encodeURIComponent(it.id.slice(5));
      c.appendChild(a);
    }
    const cust = el("div", undefined, "customer");
    if (it.customer) {
      const name = el("h4");
      const a = el("a", it.customer.name || "Customer #" + it.customer.id);
      a.href = "/console?customer=" + encodeURIComponent(it.customer.id);
      name.appendChild(a);
      cust.appendChild(name);
      const ids = el("p");
      for (const id of it.customer.identities || []) { ids.appendChild(identity(id)); }
      cust.appendChild(ids);
      const tl = el("table", undefined, "list timeline");
      const body = el("tbody");
      for (const e of it.timeline) {
        const tr = el("tr");
        const ch = el("td");
        ch.appendChild(el("span", e.channel, "badge ch-" + e.channel));
        const summary = el("td", e.summary);
        if (e.unconfirmed) { tr.className = "unconfirmed"; summary.append(document.createTextNode(" "), unconfirmed()); }
        const more = entryDetail(e);
        if (more) { summary.appendChild(more); }
        tr.append(el("td", new Date(e.at).toLocaleString()), ch, el("td", e.kind), summary);
        body.appendChild(tr);
      }
      if (it.timeline.length === 0) {
        const tr = el("tr");
        const td = el("td", "No interactions yet.");
        td.colSpan = 4;
        tr.appendChild(td);
        body.appendChild(tr);
      }
      tl.appendChild(body);
      cust.appendChild(tl);
    } else {
      cust.appendChild(el("p", "New caller: no customer record yet.", "muted new-caller"));
    }
    c.appendChild(cust);
    return c;
  }

  function draw(items) {
    list.replaceChildren();
    for (const it of items) { list.appendChild(card(it)); }
    status.textContent = items.length ? "" : "Nothing offered to you right now.";
    document.dispatchEvent(new CustomEvent("sb-items"));
  }

  const es = new EventSource(box.dataset.events);
  es.addEventListener("items", (ev) => {
    try { draw(JSON.parse(ev.data)); } catch (err) { status.textContent = "Bad update: " + err.message; }
  });
  es.addEventListener("error", () => { status.textContent = "Reconnecting…"; });
}

document.addEventListener("DOMContentLoaded", () => {
  const items = document.getElementById("items");
  if (items) { setupItems(items); }
});

// "Your emails": the email items the distributor gave the agent, each a
// link to its thread; redrawn whenever the agent's items change.
function setupEmails(box) {
  const status = document.getElementById("emails-status");
  const list = document.getElementById("email-list");

  async function refresh() {
    try {
      const res = await fetch(box.dataset.api, { credentials: "same-origin" });
      if (!res.ok) { throw new Error(res.statusText); }
      const emails = await res.json();
      list.replaceChildren();
      for (const e of emails) {
        const li = el("li");
        li.dataset.conversation = e.conversation;
        li.dataset.state = e.state;
        const a = el("a");
        a.href = "/console/emails/" + encodeURIComponent(e.conversation);
        a.appendChild(el("strong", e.subject || "(no subject)"));
        li.append(a, document.createTextNode(" "),
          el("span", [e.from, e.queue, new Date(e.arrived).toLocaleString()].filter(Boolean).join(" · "), "muted"));
        list.appendChild(li);
      }
      status.textContent = emails.length ? "" : "No email assigned to you.";
    } catch (err) {
      status.textContent = "Could not list your emails: " + err.message;
    }
  }

  document.addEventListener("sb-items", refresh);
}

document.addEventListener("DOMContentLoaded", () => {
  const emails = document.getElementById("emails");
  if (emails) { setupEmails(emails); }
});

// An open email thread checks every 10 s for messages that came since the
// page was drawn: it redraws when no reply is being written, else says so.
function setupThread(box) {
  const status = document.getElementById("thread-status");
  const draft = document.getElementById("reply-body");
  const seen = Number(box.dataset.messages);
  const timer = setInterval(async () => {
    try {
      const res = await fetch(box.dataset.api, { credentials: "same-origin" });
      if (!res.ok) { return; }
      const t = await res.json();
      if (t.messages.length <= seen) { return; }
      if (!draft || draft.value.trim() === "") { location.reload(); return; }
      clearInterval(timer);
      status.textContent = "New message in this conversation: send or copy your reply, then reload the page to read it.";
      status.hidden = false;
    } catch (err) { /* offline for a moment: try again at the next tick */ }
  }, 10000);
}

document.addEventListener("DOMContentLoaded", () => {
  const thread = document.getElementById("thread");
  if (thread && thread.dataset.api) { setupThread(thread); }
});

// The trunks page redraws each trunk's status cell every 3 s from the
// API, as the running server reports the registrations.
function setupTrunkStatus(table) {
  const badge = { registered: "badge ok", failing: "badge off" };
  setInterval(async () => {
    try {
      const res = await fetch("/api/v1/trunks", { credentials: "same-origin" });
      if (!res.ok) { return; }
      for (const t of await res.json()) {
        const row = Array.from(table.querySelectorAll("tr[data-trunk]")).find((r) => r.dataset.trunk === t.name);
        const cell = row && row.querySelector('[data-f="status"]');
        if (!cell) { continue; }
        const st = el("span", t.status.state, badge[t.status.state] || "badge");
        st.dataset.state = t.status.state;
        const parts = [st];
        if (t.status.reason) { parts.push(document.createTextNode(" " + t.status.reason)); }
        // expires is written in the appliance's zone: keep its clock time.
        if (t.status.expires) { parts.push(document.createTextNode(" "), el("span", "until " + t.status.expires.slice(11, 19), "muted")); }
        cell.replaceChildren(...parts);
      }
    } catch (err) { /* offline for a moment: try again at the next tick */ }
  }, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  const trunks = document.getElementById("trunks-admin");
  if (trunks) { setupTrunkStatus(trunks); }
});

// The mailboxes page redraws each mailbox's status cell every 3 s from
// the API, as the running mail service records the connections.
function setupMailboxStatus(table) {
  setInterval(async () => {
    try {
      const res = await fetch("/api/v1/mailboxes", { credentials: "same-origin" });
      if (!res.ok) { return; }
      for (const m of await res.json()) {
        const row = Array.from(table.querySelectorAll("tr[data-mailbox]")).find((r) => r.dataset.mailbox === m.name);
        const cell = row && row.querySelector('[data-f="status"]');
        if (!cell) { continue; }
        const s = m.status;
        const parts = [!s.updated ? el("span", "not connected yet", "badge off")
          : s.connected ? el("span", "connected", "badge ok") : el("span", "disconnected", "badge off")];
        if (s.last_error) {
          const e = el("div", s.last_error, "error");
          e.dataset.f = "last-error";
          parts.push(e);
        }
        // updated is written in the appliance's zone: keep its clock time.
        if (s.updated) { parts.push(el("div", s.updated.slice(0, 19).replace("T", " "), "muted")); }
        cell.replaceChildren(...parts);
      }
    } catch (err) { /* offline for a moment: try again at the next tick */ }
  }, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  const mailboxes = document.getElementById("mailboxes-admin");
  if (mailboxes) { setupMailboxStatus(mailboxes); }
});
