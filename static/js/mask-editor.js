// Mask editor: brush, eraser and rectangle on a canvas over the parent image, smart selection
// (the object in a dragged box, or a colour by click, computed by the server and added to or
// subtracted from the paint; "keep" and "drop" strokes then correct the last object cut), invert, undo/redo, a live preview of the grown + feathered mask,
// and a warning when the mask border sits on a high-contrast edge. The mask is submitted as a PNG (alpha = painted) with the form;
// each change of the final mask is announced as a `maskchange` event on the stage.
(function () {
  "use strict";
  var stage = document.getElementById("editor-stage");
  if (!stage) return;
  var img = document.getElementById("editor-image");
  var canvas = document.getElementById("mask-canvas");
  var preview = document.getElementById("preview-canvas");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var pctx = preview.getContext("2d");
  var W = canvas.width, H = canvas.height;
  var PAINT = "rgb(255,80,200)";
  var tool = "brush", drawing = false, last = null, rectStart = null, before = null;
  var undo = [], redo = [];
  var size = document.getElementById("brush-size");
  var grow = document.getElementById("mask-grow"), feather = document.getElementById("mask-feather");
  var growOut = document.getElementById("grow-out"), featherOut = document.getElementById("feather-out");
  var showPreview = document.getElementById("mask-preview");
  var stats = document.getElementById("mask-stats"), edgeWarn = document.getElementById("edge-warning");
  var luma = null;
  var form = document.getElementById("variant-form");
  var tolerance = document.getElementById("select-tolerance"), toleranceOut = document.getElementById("tolerance-out");
  var selectStatus = document.getElementById("select-status");
  var hint = document.getElementById("hint-canvas"), hctx = hint.getContext("2d");
  // The last object selection (its box and the mask before it was merged), which keep/drop
  // strokes re-run; and the strokes drawn since, in image pixels.
  var lastObject = null, hints = { keep: [], drop: [] }, currentStroke = null;
  var HINT_COLOUR = { keep: "rgba(40,200,90,0.8)", drop: "rgba(230,50,50,0.8)" };

  // Image luminance, for the edge check (same origin, so the pixels are readable).
  function loadLuma() {
    var c = document.createElement("canvas"); c.width = W; c.height = H;
    var g = c.getContext("2d"); g.drawImage(img, 0, 0, W, H);
    var d = g.getImageData(0, 0, W, H).data; luma = new Float32Array(W * H);
    for (var i = 0; i < W * H; i++) luma[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
  }
  if (img.complete) loadLuma(); else img.addEventListener("load", loadLuma);

  function snapshot() { return ctx.getImageData(0, 0, W, H); }
  function pushUndo(state) { undo.push(state); if (undo.length > 40) undo.shift(); redo = []; }
  function pos(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * W / r.width, y: (e.clientY - r.top) * H / r.height };
  }
  function brushWidth() { return Number(size.value) * W / canvas.getBoundingClientRect().width; }
  function stroke(a, b) {
    ctx.globalCompositeOperation = tool === "eraser" ? "destination-out" : "source-over";
    ctx.strokeStyle = PAINT; ctx.fillStyle = PAINT; ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.lineWidth = brushWidth();
    ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    ctx.globalCompositeOperation = "source-over";
  }

  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    // Capture keeps a stroke going outside the canvas; synthetic pointers cannot be captured.
    try { canvas.setPointerCapture(e.pointerId); } catch (_) { /* not an active pointer */ }
    if (tool === "colour") { selectColour(pos(e)); return; }
    if (tool === "keep" || tool === "drop") {
      if (!lastObject) { selectStatus.hidden = false; selectStatus.textContent = "Select an object first; keep and drop strokes correct that cut."; return; }
      drawing = true; last = pos(e); currentStroke = [last]; hints[tool].push(currentStroke); hintStroke(last, last); return;
    }
    drawing = true; before = snapshot(); last = pos(e);
    if (tool === "rect" || tool === "object") rectStart = last; else stroke(last, last);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = pos(e);
    if (tool === "rect") {
      ctx.putImageData(before, 0, 0); ctx.fillStyle = PAINT;
      ctx.fillRect(Math.min(rectStart.x, p.x), Math.min(rectStart.y, p.y), Math.abs(p.x - rectStart.x), Math.abs(p.y - rectStart.y));
    } else if (tool === "object") {
      ctx.putImageData(before, 0, 0); ctx.save();
      ctx.setLineDash([8, 6]); ctx.lineWidth = 2 * W / canvas.getBoundingClientRect().width; ctx.strokeStyle = "rgb(20,20,20)";
      ctx.strokeRect(Math.min(rectStart.x, p.x), Math.min(rectStart.y, p.y), Math.abs(p.x - rectStart.x), Math.abs(p.y - rectStart.y));
      ctx.restore();
    } else if (tool === "keep" || tool === "drop") { currentStroke.push(p); hintStroke(last, p);
    } else { stroke(last, p); }
    last = p;
  });
  function end() {
    if (!drawing) return;
    drawing = false;
    // The dashed box was only a guide: the server's selection is what lands in the mask.
    if (tool === "object") { ctx.putImageData(before, 0, 0); selectObject(rectStart, last); return; }
    if (tool === "keep" || tool === "drop") { refineObject(); return; }
    pushUndo(before); changed();
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", function () { if (["brush", "eraser"].indexOf(tool) >= 0) end(); });

  document.querySelectorAll(".tool").forEach(function (b) {
    b.addEventListener("click", function () {
      tool = b.getAttribute("data-tool");
      document.querySelectorAll(".tool").forEach(function (o) { o.classList.toggle("active", o === b); o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
    });
  });
  document.getElementById("mask-invert").addEventListener("click", function () {
    pushUndo(snapshot());
    var s = snapshot(), d = s.data;
    for (var i = 0; i < d.length; i += 4) { var on = d[i + 3] > 127; d[i] = 255; d[i + 1] = 80; d[i + 2] = 200; d[i + 3] = on ? 0 : 255; }
    ctx.putImageData(s, 0, 0); changed();
  });
  document.getElementById("mask-clear").addEventListener("click", function () { pushUndo(snapshot()); ctx.clearRect(0, 0, W, H); changed(); });
  document.getElementById("mask-undo").addEventListener("click", function () { if (!undo.length) return; redo.push(snapshot()); ctx.putImageData(undo.pop(), 0, 0); changed(); });
  document.getElementById("mask-redo").addEventListener("click", function () { if (!redo.length) return; undo.push(snapshot()); ctx.putImageData(redo.pop(), 0, 0); changed(); });
  [grow, feather, showPreview].forEach(function (el) { el.addEventListener("input", changed); });
  tolerance.addEventListener("input", function () { toleranceOut.textContent = tolerance.value; });

  // ---- Smart selection: the server computes a mask on the parent's pixels. ----
  function selectMode() { return document.querySelector('input[name="select-mode"]:checked').value; }
  function selectObject(a, b) {
    var x0 = Math.max(0, Math.floor(Math.min(a.x, b.x))), y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
    var x1 = Math.min(W, Math.ceil(Math.max(a.x, b.x))), y1 = Math.min(H, Math.ceil(Math.max(a.y, b.y)));
    var box = { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
    hints = { keep: [], drop: [] }; hctx.clearRect(0, 0, W, H);
    lastObject = { box: box, base: snapshot() };
    requestSelection(Object.assign({ tool: "object" }, box), null);
  }
  function hintStroke(a, b) {
    hctx.strokeStyle = HINT_COLOUR[tool]; hctx.lineCap = "round"; hctx.lineJoin = "round"; hctx.lineWidth = brushWidth();
    hctx.beginPath(); hctx.moveTo(a.x, a.y); hctx.lineTo(b.x, b.y); hctx.stroke();
  }
  // Re-runs the last object cut with every stroke so far; its result replaces that cut's.
  function refineObject() {
    var pts = function (strokes) { return strokes.map(function (st) { return st.map(function (p) { return [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10]; }); }); };
    requestSelection(Object.assign({ tool: "object", keep: pts(hints.keep), drop: pts(hints.drop), stroke_width: Math.max(1, Math.round(brushWidth())) }, lastObject.box), lastObject.base);
  }
  function selectColour(p) {
    requestSelection({
      tool: "colour", x: Math.min(W - 1, Math.max(0, Math.floor(p.x))), y: Math.min(H - 1, Math.max(0, Math.floor(p.y))),
      tolerance: Number(tolerance.value), contiguous: document.getElementById("select-contiguous").checked
    }, null);
  }
  // `base`, when given, is the mask the answer is merged into instead of the current one.
  function requestSelection(body, base) {
    body.parent_kind = form.elements.parent_kind.value; body.parent_id = Number(form.elements.parent_id.value);
    selectStatus.hidden = false; selectStatus.textContent = "Selecting…";
    fetch("/variants/selection", {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf_token.value }
    })
      .then(function (r) {
        if (r.ok) return r.blob();
        return r.text().then(function (t) { throw new Error(errorMessage(t, r.status)); });
      })
      .then(function (blob) { return createImageBitmap(blob); })
      .then(function (bitmap) { mergeSelection(bitmap, base); })
      .catch(function (x) { selectStatus.textContent = x.message; });
  }
  // Selected pixels (> 127 in the grey PNG) are painted or erased; the rest keep the user's paint.
  function mergeSelection(bitmap, base) {
    var t = document.createElement("canvas"); t.width = W; t.height = H;
    var g = t.getContext("2d", { willReadFrequently: true }); g.drawImage(bitmap, 0, 0);
    var sel = g.getImageData(0, 0, W, H).data;
    pushUndo(snapshot());
    if (base) ctx.putImageData(base, 0, 0);
    var s = snapshot(), d = s.data, add = selectMode() === "add", n = 0;
    for (var i = 0; i < d.length; i += 4) {
      if (sel[i] <= 127) continue;
      n++;
      if (add) { d[i] = 255; d[i + 1] = 80; d[i + 2] = 200; d[i + 3] = 255; } else { d[i + 3] = 0; }
    }
    ctx.putImageData(s, 0, 0); changed();
    selectStatus.textContent = n ? (add ? "Added " : "Subtracted ") + n + " px; paint, or draw Keep / Drop strokes over what the cut got wrong." : "Nothing selected there: try a looser box or a higher tolerance.";
  }

  // The final mask as the server prepares it, approximately: grow = the mask stamped at offsets
  // on rings up to the radius; feather = a blur of that. Its alpha channel is the mask.
  function finalMask() {
    var g = Number(grow.value), f = Number(feather.value);
    var tmp = document.createElement("canvas"); tmp.width = W; tmp.height = H;
    var t = tmp.getContext("2d");
    t.drawImage(canvas, 0, 0);
    for (var r = 1; r <= g; r += Math.max(1, Math.floor(g / 4))) {
      for (var k = 0; k < 16; k++) { var a = k * Math.PI / 8; t.drawImage(canvas, Math.cos(a) * r, Math.sin(a) * r); }
    }
    var out = document.createElement("canvas"); out.width = W; out.height = H;
    var o = out.getContext("2d", { willReadFrequently: true });
    o.filter = f > 0 ? "blur(" + (f / 2) + "px)" : "none"; o.drawImage(tmp, 0, 0); o.filter = "none";
    return out;
  }

  // Tells other editor scripts (the grade preview) about the new final mask, then tints it.
  function drawPreview() {
    var mask = finalMask();
    stage.dispatchEvent(new CustomEvent("maskchange", { detail: { mask: mask } }));
    pctx.clearRect(0, 0, W, H);
    if (!showPreview.checked) return;
    pctx.globalAlpha = 0.6; pctx.drawImage(mask, 0, 0); pctx.globalAlpha = 1;
    pctx.globalCompositeOperation = "source-in"; pctx.fillStyle = "rgba(30,120,255,0.6)"; pctx.fillRect(0, 0, W, H);
    pctx.globalCompositeOperation = "source-over";
  }

  // Mean luminance step across the mask border; high means a tight mask on a strong edge.
  function edgeCheck(d) {
    if (!luma) return 0;
    var sum = 0, n = 0;
    for (var y = 1; y < H - 1; y++) for (var x = 1; x < W - 1; x++) {
      var i = y * W + x; if (d[4 * i + 3] <= 127) continue;
      [i - 1, i + 1, i - W, i + W].forEach(function (j) { if (d[4 * j + 3] <= 127) { sum += Math.abs(luma[i] - luma[j]); n++; } });
    }
    return n ? sum / n : 0;
  }

  function changed() {
    growOut.textContent = grow.value; featherOut.textContent = feather.value;
    var d = ctx.getImageData(0, 0, W, H).data, on = 0;
    for (var i = 3; i < d.length; i += 4) if (d[i] > 127) on++;
    stats.textContent = on ? (100 * on / (W * H)).toFixed(2) + " % of the image painted (" + on + " px)" : "Nothing painted yet.";
    var step = on ? edgeCheck(d) : 0;
    // A grade inpaints nothing: a tight mask on an edge is what grading a product needs.
    if (step > 40 && Number(grow.value) < 8 && document.getElementById("v-operation").value !== "grade") {
      edgeWarn.textContent = "The mask border sits on a high-contrast edge (mean step " + step.toFixed(0) + "). Grow it by at least 8 px so the fill does not smear the edge back in.";
      edgeWarn.hidden = false;
    } else { edgeWarn.hidden = true; }
    drawPreview();
  }

  var op = document.getElementById("v-operation");
  function opChanged() {
    document.getElementById("hex-field").hidden = op.value !== "recolor";
    document.getElementById("grade-field").hidden = op.value !== "grade";
    // A grade fades out like an adjustment layer: no grow, a soft edge (unless already changed).
    if (op.value === "grade" && grow.value === "6" && feather.value === "4") { grow.value = "0"; feather.value = "8"; }
    changed();
    document.getElementById("reference-field").hidden = ["composite", "erase+composite", "import"].indexOf(op.value) < 0;
  }
  op.addEventListener("change", opChanged); opChanged(); // also the first changed()

  // The message of an error answer: JSON `{error}` or the text of an error page.
  function errorMessage(t, status) {
    var msg;
    try { msg = JSON.parse(t).error; } catch (_) {
      var doc = new DOMParser().parseFromString(t, "text/html");
      var main = doc.querySelector("main"); msg = (main ? main.textContent : t).replace(/\s+/g, " ").trim().slice(0, 300);
    }
    return msg || ("HTTP " + status);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var err = document.getElementById("form-error"); err.hidden = true;
    var params = { grow: Number(grow.value), feather: Number(feather.value), seed: Number(document.getElementById("v-seed").value || 0) };
    if (op.value === "recolor") params.hex = document.getElementById("v-hex").value;
    if (op.value === "grade") params.grade = JSON.parse(document.getElementById("v-grade").value || "{}");
    document.getElementById("v-params").value = JSON.stringify(params);
    var button = document.getElementById("variant-submit"); button.disabled = true;
    canvas.toBlob(function (blob) {
      var fd = new FormData(form);
      fd.set("mask", blob, "mask.png");
      fetch(form.action, { method: "POST", body: fd, credentials: "same-origin" })
        .then(function (r) {
          if (r.ok && r.redirected) { window.location.assign(r.url); return null; }
          return r.text().then(function (t) { throw new Error(errorMessage(t, r.status)); });
        })
        .catch(function (x) { err.textContent = x.message; err.hidden = false; button.disabled = false; });
    }, "image/png");
  });
})();
