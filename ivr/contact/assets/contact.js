// Reports an abandonment to the funnel when the visitor leaves the page
// without following a choice or sending a form.
(function () {
  "use strict";
  var b = document.body, moved = false;
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-choice]")) { moved = true; }
  });
  document.addEventListener("submit", function () { moved = true; });
  window.addEventListener("pagehide", function () {
    if (moved || !navigator.sendBeacon || !b.dataset.left) { return; }
    var f = new FormData();
    f.append("node", b.dataset.node);
    f.append("session", b.dataset.session);
    navigator.sendBeacon(b.dataset.left, f);
  });
})();
