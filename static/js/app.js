// Small progressive enhancements shared by every page. Pages work without it.
(function () {
  "use strict";
  // Ask before destructive form submissions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
