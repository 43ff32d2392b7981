// Switchboard web chat widget. Every string from the network is rendered
// with textContent: nothing a visitor or agent types is parsed as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var widget = script.getAttribute("data-widget") || "";
  var intent = script.getAttribute("data-intent") || new URLSearchParams(location.search).get("intent") || "";
  var base = new URL(".", script.src);
  var wsURL = (base.protocol === "https:" ? "wss:" : "ws:") + "//" + base.host + base.pathname + "ws?widget=" + encodeURIComponent(widget);
  var key = "switchboard-chat:" + widget;
  var store = {
    get: function (k, d) { try { var v = localStorage.getItem(key + ":" + k); return v === null ? d : JSON.parse(v); } catch (e) { return d; } },
    set: function (k, v) { try { localStorage.setItem(key + ":" + k, JSON.stringify(v)); } catch (e) {} }
  };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var root = el("div", { id: "sb-chat", style: "position:fixed;bottom:16px;right:16px;width:320px;font:14px sans-serif;z-index:2147483647" });
  var launcher = el("button", { type: "button", "class": "sb-launcher" }, "Chat with us");
  var panel = el("div", { "class": "sb-panel", style: "display:none;background:#fff;border:1px solid #888;border-radius:6px;padding:8px" });
  var status = el("div", { "class": "sb-status", style: "font-size:12px;color:#555" }, "");
  var log = el("div", { "class": "sb-log", style: "height:240px;overflow-y:auto;margin:6px 0" });
  var typing = el("div", { "class": "sb-typing", style: "font-size:12px;color:#888;height:16px" }, "");

  var form = el("form", { "class": "sb-form" });
  var fName = el("input", { name: "name", placeholder: "Your name", required: "", maxlength: "200" });
  var fEmail = el("input", { name: "email", type: "email", placeholder: "Email (optional)", maxlength: "200" });
  var fPhone = el("input", { name: "phone", type: "tel", placeholder: "Phone (optional)", maxlength: "200" });
  form.appendChild(fName); form.appendChild(fEmail); form.appendChild(fPhone);
  form.appendChild(el("button", { type: "submit", "class": "sb-start" }, "Start chat"));

  var compose = el("form", { "class": "sb-compose", style: "display:none" });
  var input = el("input", { name: "text", placeholder: "Type a message", autocomplete: "off", maxlength: "4000" });
  compose.appendChild(input);
  compose.appendChild(el("button", { type: "submit", "class": "sb-send" }, "Send"));
  var tools = el("div", { "class": "sb-tools", style: "display:none" });
  var btnTranscript = el("button", { type: "button", "class": "sb-transcript" }, "Email me the transcript");
  var btnEnd = el("button", { type: "button", "class": "sb-end" }, "End chat");
  tools.appendChild(btnTranscript); tools.appendChild(btnEnd);

  var away = el("form", { "class": "sb-away", style: "display:none" });
  var awayText = el("textarea", { name: "message", placeholder: "Leave us a message", maxlength: "4000" });
  var awayPhone = el("input", { name: "callback", type: "tel", placeholder: "Or your phone number for a callback", maxlength: "200" });
  var btnLeave = el("button", { type: "button", "class": "sb-leave" }, "Leave message");
  var btnCallback = el("button", { type: "button", "class": "sb-callback" }, "Call me back");
  away.appendChild(awayText); away.appendChild(btnLeave); away.appendChild(awayPhone); away.appendChild(btnCallback);

  panel.appendChild(status); panel.appendChild(log); panel.appendChild(typing);
  panel.appendChild(form); panel.appendChild(away); panel.appendChild(compose); panel.appendChild(tools);
  root.appendChild(launcher); root.appendChild(panel);

  var ws = null, token = store.get("token", ""), seen = {}, pending = store.get("pending", []), backoff = 500, stopped = false, lastTyping = 0, typingTimer = null;

  function show(node, on) { node.style.display = on ? "" : "none"; }
  function open() { show(panel, true); show(launcher, false); }
  function setStatus(t) { status.textContent = t; }
  function send(obj) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; } return false; }

  function addMessage(m) {
    if (seen[m.seq]) { return; }
    seen[m.seq] = true;
    var row = el("div", { "class": "sb-msg sb-from-" + (m.from === "agent" ? "agent" : m.from === "visitor" ? "visitor" : "system"), "data-seq": String(m.seq) });
    row.appendChild(el("b", {}, m.from === "visitor" ? "You: " : m.from === "agent" ? "Agent: " : ""));
    row.appendChild(el("span", { "class": "sb-text" }, m.text));
    var nodes = log.querySelectorAll(".sb-msg"), before = null;
    for (var i = 0; i < nodes.length; i++) { if (Number(nodes[i].getAttribute("data-seq")) > m.seq) { before = nodes[i]; break; } }
    log.insertBefore(row, before);
    log.scrollTop = log.scrollHeight;
    if (m.cid) { dropPending(m.cid); }
  }
  function dropPending(cid) {
    pending = pending.filter(function (p) { return p.cid !== cid; });
    store.set("pending", pending);
  }
  function setState(state) {
    show(form, state === "form"); show(away, false);
    show(compose, state === "queued" || state === "active"); show(tools, state === "queued" || state === "active");
    setStatus(state === "queued" ? "Waiting for an agent…" : state === "active" ? "Connected" : state === "closed" ? "Chat ended" : "");
    if (state === "closed") { show(form, true); }
  }

  function connect() {
    ws = new WebSocket(wsURL);
    ws.onopen = function () { backoff = 500; send({ type: "hello", token: token }); };
    ws.onmessage = function (ev) {
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      switch (f.type) {
      case "welcome":
        token = f.token; store.set("token", token);
        setState(f.state);
        if (f.state !== "form") { open(); }
        (f.history || []).forEach(addMessage);
        pending.forEach(function (p) { send({ type: "msg", cid: p.cid, text: p.text }); });
        break;
      case "state": setState(f.state); if (f.state === "closed") { pending = []; store.set("pending", pending); } break;
      case "msg": addMessage(f.msg); break;
      case "ack": dropPending(f.cid); break;
      case "typing":
        typing.textContent = "Agent is typing…";
        clearTimeout(typingTimer); typingTimer = setTimeout(function () { typing.textContent = ""; }, 3000);
        break;
      case "unavailable":
        show(form, false); show(away, true);
        setStatus(f.reason === "closed" ? "We are closed right now." : "No one can chat right now.");
        break;
      case "left": show(away, false); setStatus(f.what === "callback" ? "We will call you back." : "Message sent. We will answer soon."); break;
      case "transcript_sent": setStatus("Transcript sent to " + f.email); break;
      case "error": setStatus(f.error); break;
      }
    };
    ws.onclose = function (ev) {
      ws = null;
      if (stopped || ev.code === 1008) { setStatus("Disconnected."); return; }
      setStatus("Reconnecting…");
      setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 10000);
    };
  }

  launcher.addEventListener("click", open);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    send({ type: "start", name: fName.value, email: fEmail.value, phone: fPhone.value, intent: intent });
  });
  compose.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text) { return; }
    var cid = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    pending.push({ cid: cid, text: text }); store.set("pending", pending);
    send({ type: "msg", cid: cid, text: text });
    input.value = "";
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
  });
  btnTranscript.addEventListener("click", function () { send({ type: "transcript", email: fEmail.value }); });
  btnEnd.addEventListener("click", function () { send({ type: "end" }); });
  btnLeave.addEventListener("click", function () { send({ type: "leave_message", text: awayText.value }); });
  btnCallback.addEventListener("click", function () { send({ type: "callback", phone: awayPhone.value }); });

  function mount() { document.body.appendChild(root); connect(); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
