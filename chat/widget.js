// Switchboard web chat widget. Every string from the network is rendered
// with textContent: nothing a visitor or agent types is parsed as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  // The widget's words by language. The script's data-lang (the start page
  // sets it), then the server's welcome frame (the settings language),
  // choose the table; English when neither names one here. Every table has
  // the same keys (chat's tests check it). err_CODE words an error frame's
  // code; an unknown code shows the server's own text.
  var TEXTS = {
    en: {
      launcher: "Chat with us",
      name: "Your name",
      email: "Email (optional)",
      phone: "Phone (optional)",
      start: "Start chat",
      message: "Type a message",
      send: "Send",
      transcript: "Email me the transcript",
      end: "End chat",
      away: "Leave us a message",
      awayPhone: "Or your phone number for a callback",
      leave: "Leave message",
      callback: "Call me back",
      you: "You: ",
      agent: "Agent: ",
      queued: "Waiting for an agent…",
      active: "Connected",
      closed: "Chat ended",
      typing: "Agent is typing…",
      shut: "We are closed right now.",
      nobody: "No one can chat right now.",
      calledBack: "We will call you back.",
      messageSent: "Message sent. We will answer soon.",
      transcriptSent: "Transcript sent to {email}",
      disconnected: "Disconnected.",
      reconnecting: "Reconnecting…",
      err_no_chat: "This chat is no longer open.",
      err_too_long: "This message is too long.",
      err_already: "You are already chatting.",
      err_name: "Please give your name.",
      err_identity: "Please check your email and phone number.",
      err_not_offered: "Please fill in the form first.",
      err_unavailable: "This is not available here.",
      err_text: "Please write a message (4000 characters at most).",
      err_contact: "Please give an email or phone number so that we can answer.",
      err_phone: "Please give a valid phone number.",
      err_email: "Please give a valid email address.",
      err_failed: "That did not work, please try again.",
      err_limit: "The transcript has already been sent.",
      err_too_many: "Too many chats are open from your network; please try again later.",
      err_rate: "You sent messages too fast; please reload the page to chat again."
    },
    fr: {
      launcher: "Discutez avec nous",
      name: "Votre nom",
      email: "E-mail (facultatif)",
      phone: "Téléphone (facultatif)",
      start: "Démarrer la discussion",
      message: "Écrivez un message",
      send: "Envoyer",
      transcript: "M’envoyer la conversation par e-mail",
      end: "Terminer la discussion",
      away: "Laissez-nous un message",
      awayPhone: "Ou votre numéro pour être rappelé",
      leave: "Laisser le message",
      callback: "Rappelez-moi",
      you: "Vous : ",
      agent: "Conseiller : ",
      queued: "En attente d’un conseiller…",
      active: "Connecté",
      closed: "Discussion terminée",
      typing: "Le conseiller écrit…",
      shut: "Nous sommes fermés pour le moment.",
      nobody: "Personne n’est disponible pour discuter pour le moment.",
      calledBack: "Nous vous rappellerons.",
      messageSent: "Message envoyé. Nous vous répondrons bientôt.",
      transcriptSent: "Conversation envoyée à {email}",
      disconnected: "Déconnecté.",
      reconnecting: "Reconnexion…",
      err_no_chat: "Cette discussion n’est plus ouverte.",
      err_too_long: "Ce message est trop long.",
      err_already: "Vous discutez déjà.",
      err_name: "Indiquez votre nom.",
      err_identity: "Vérifiez votre e-mail et votre numéro de téléphone.",
      err_not_offered: "Remplissez d’abord le formulaire.",
      err_unavailable: "Ce n’est pas disponible ici.",
      err_text: "Écrivez un message (4000 caractères au plus).",
      err_contact: "Indiquez un e-mail ou un numéro de téléphone pour que nous puissions répondre.",
      err_phone: "Indiquez un numéro de téléphone valide.",
      err_email: "Indiquez une adresse e-mail valide.",
      err_failed: "Cela n’a pas fonctionné, veuillez réessayer.",
      err_limit: "La conversation a déjà été envoyée.",
      err_too_many: "Trop de discussions sont ouvertes depuis votre réseau ; réessayez plus tard.",
      err_rate: "Vous avez envoyé des messages trop vite ; rechargez la page pour discuter à nouveau."
    }
  };
  var lang = "en";
  function setLang(l) { if (l && Object.prototype.hasOwnProperty.call(TEXTS, l)) { lang = l; } }
  function tr(k) { return TEXTS[lang][k]; }
  setLang(script.getAttribute("data-lang"));
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

  // labels are the fixed elements' words: [element, attribute or "" for
  // the text, key], set again when the welcome frame names the language.
  var labels = [];
  function label(node, attr, k) { labels.push([node, attr, k]); return node; }
  function relabel() {
    root.setAttribute("lang", lang);
    labels.forEach(function (l) { if (l[1]) { l[0].setAttribute(l[1], tr(l[2])); } else { l[0].textContent = tr(l[2]); } });
  }

  var root = el("div", { id: "sb-chat", style: "position:fixed;bottom:16px;right:16px;width:320px;font:14px sans-serif;z-index:2147483647" });
  var launcher = label(el("button", { type: "button", "class": "sb-launcher" }), "", "launcher");
  var panel = el("div", { "class": "sb-panel", style: "display:none;background:#fff;border:1px solid #888;border-radius:6px;padding:8px" });
  var status = el("div", { "class": "sb-status", style: "font-size:12px;color:#555" }, "");
  var log = el("div", { "class": "sb-log", style: "height:240px;overflow-y:auto;margin:6px 0" });
  var typing = el("div", { "class": "sb-typing", style: "font-size:12px;color:#888;height:16px" }, "");

  var form = el("form", { "class": "sb-form" });
  var fName = label(el("input", { name: "name", required: "", maxlength: "200" }), "placeholder", "name");
  var fEmail = label(el("input", { name: "email", type: "email", maxlength: "200" }), "placeholder", "email");
  var fPhone = label(el("input", { name: "phone", type: "tel", maxlength: "200" }), "placeholder", "phone");
  form.appendChild(fName); form.appendChild(fEmail); form.appendChild(fPhone);
  form.appendChild(label(el("button", { type: "submit", "class": "sb-start" }), "", "start"));

  var compose = el("form", { "class": "sb-compose", style: "display:none" });
  var input = label(el("input", { name: "text", autocomplete: "off", maxlength: "4000" }), "placeholder", "message");
  compose.appendChild(input);
  compose.appendChild(label(el("button", { type: "submit", "class": "sb-send" }), "", "send"));
  var tools = el("div", { "class": "sb-tools", style: "display:none" });
  var btnTranscript = label(el("button", { type: "button", "class": "sb-transcript" }), "", "transcript");
  var btnEnd = label(el("button", { type: "button", "class": "sb-end" }), "", "end");
  tools.appendChild(btnTranscript); tools.appendChild(btnEnd);

  var away = el("form", { "class": "sb-away", style: "display:none" });
  var awayText = label(el("textarea", { name: "message", maxlength: "4000" }), "placeholder", "away");
  var awayPhone = label(el("input", { name: "callback", type: "tel", maxlength: "200" }), "placeholder", "awayPhone");
  var btnLeave = label(el("button", { type: "button", "class": "sb-leave" }), "", "leave");
  var btnCallback = label(el("button", { type: "button", "class": "sb-callback" }), "", "callback");
  away.appendChild(awayText); away.appendChild(btnLeave); away.appendChild(awayPhone); away.appendChild(btnCallback);

  panel.appendChild(status); panel.appendChild(log); panel.appendChild(typing);
  panel.appendChild(form); panel.appendChild(away); panel.appendChild(compose); panel.appendChild(tools);
  root.appendChild(launcher); root.appendChild(panel);
  relabel();

  var ws = null, token = store.get("token", ""), seen = {}, pending = store.get("pending", []), backoff = 500, stopped = false, limited = false, lastTyping = 0, typingTimer = null;

  function show(node, on) { node.style.display = on ? "" : "none"; }
  function open() { show(panel, true); show(launcher, false); }
  function setStatus(t) { status.textContent = t; }
  function send(obj) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; } return false; }

  function addMessage(m) {
    if (seen[m.seq]) { return; }
    seen[m.seq] = true;
    var row = el("div", { "class": "sb-msg sb-from-" + (m.from === "agent" ? "agent" : m.from === "visitor" ? "visitor" : "system"), "data-seq": String(m.seq) });
    row.appendChild(el("b", {}, m.from === "visitor" ? tr("you") : m.from === "agent" ? tr("agent") : ""));
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
    setStatus(state === "queued" || state === "active" || state === "closed" ? tr(state) : "");
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
        setLang(f.lang); relabel();
        setState(f.state);
        if (f.state !== "form") { open(); }
        (f.history || []).forEach(addMessage);
        pending.forEach(function (p) { send({ type: "msg", cid: p.cid, text: p.text }); });
        break;
      case "state": setState(f.state); if (f.state === "closed") { pending = []; store.set("pending", pending); } break;
      case "msg": addMessage(f.msg); break;
      case "ack": dropPending(f.cid); break;
      case "typing":
        typing.textContent = tr("typing");
        clearTimeout(typingTimer); typingTimer = setTimeout(function () { typing.textContent = ""; }, 3000);
        break;
      case "unavailable":
        show(form, false); show(away, true);
        setStatus(tr(f.reason === "closed" ? "shut" : "nobody"));
        break;
      case "left": show(away, false); setStatus(tr(f.what === "callback" ? "calledBack" : "messageSent")); break;
      case "transcript_sent": setStatus(tr("transcriptSent").replace("{email}", f.email)); break;
      case "error": limited = limited || f.code === "rate"; setStatus(tr("err_" + f.code) || f.error); break;
      }
    };
    ws.onclose = function (ev) {
      ws = null;
      if (stopped || ev.code === 1008) { setStatus(tr(limited ? "err_rate" : "disconnected")); return; }
      setStatus(tr("reconnecting"));
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
