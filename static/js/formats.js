// The formats grid's subject box: drag on the preview to draw the box a crop must keep (besides
// the edits); the form's focus field gets it in the source's pixels.
(function () {
  "use strict";
  var stage = document.getElementById("focus-stage");
  var img = document.getElementById("focus-image");
  var box = document.getElementById("focus-box");
  var field = document.getElementById("formats-focus");
  if (!stage || !img || !box || !field) return;
  var start = null;

  // A pointer position in displayed px, clamped to the image, with the display-to-source scale.
  function at(ev) {
    var r = img.getBoundingClientRect();
    return {
      x: Math.min(Math.max(ev.clientX - r.left, 0), r.width),
      y: Math.min(Math.max(ev.clientY - r.top, 0), r.height),
      sx: img.naturalWidth / r.width,
      sy: img.naturalHeight / r.height
    };
  }

  function draw(a, b) {
    var l = Math.min(a.x, b.x), t = Math.min(a.y, b.y);
    var w = Math.abs(a.x - b.x), h = Math.abs(a.y - b.y);
    box.hidden = false;
    box.style.left = l + "px";
    box.style.top = t + "px";
    box.style.width = w + "px";
    box.style.height = h + "px";
    var px = [Math.round(l * a.sx), Math.round(t * a.sy), Math.round(w * a.sx), Math.round(h * a.sy)];
    field.value = px[2] > 0 && px[3] > 0 ? px.join(",") : "";
  }

  stage.addEventListener("pointerdown", function (ev) {
    start = at(ev);
    // Capture keeps the drag alive past the image's edge; synthetic events have no pointer to capture.
    try { stage.setPointerCapture(ev.pointerId); } catch (e) { /* no active pointer */ }
    ev.preventDefault();
  });
  stage.addEventListener("pointermove", function (ev) { if (start) draw(start, at(ev)); });
  stage.addEventListener("pointerup", function (ev) {
    if (!start) return;
    draw(start, at(ev));
    start = null;
  });
})();
