// Import progress: polls the job's JSON status and moves the <progress> bar; when the import is
// done, loads the page again, which redirects to the history. Without JS, <noscript> refreshes.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var message = document.getElementById("import-message");
  if (!box || !bar) { return; }
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.json(); })
      .then(function (p) {
        if (p.state === "storing") {
          bar.max = p.total;
          bar.value = p.done;
          message.textContent = "Stored " + p.done + " of " + p.total + " rows…";
        } else if (p.state === "done" || p.state === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
