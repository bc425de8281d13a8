// Polls the variant's job until it finishes, then reloads to show the result and audit.
(function () {
  "use strict";
  var panel = document.getElementById("job-panel");
  if (!panel) return;
  var id = panel.getAttribute("data-job-id");
  var bar = document.getElementById("job-progress");
  var label = document.getElementById("job-status");
  var err = document.getElementById("job-error");
  function poll() {
    fetch("/jobs/" + id + ".json", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.value = job.progress;
        label.textContent = job.status + (job.attempts > 1 ? " · attempt " + job.attempts : "");
        if (job.error) { err.textContent = job.error; err.hidden = false; }
        if (job.status === "done") { window.location.reload(); return; }
        if (job.status !== "failed") setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
