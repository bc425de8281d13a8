// Before/after slider: the variant image is clipped to the slider's position over the parent.
(function () {
  "use strict";
  var range = document.getElementById("compare-range");
  var after = document.getElementById("compare-after");
  if (!range || !after) return;
  function update() { after.style.clipPath = "inset(0 " + (100 - Number(range.value)) + "% 0 0)"; }
  range.addEventListener("input", update);
  update();
})();
