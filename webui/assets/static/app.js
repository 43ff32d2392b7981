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
