// Grade controls of the mask editor: keeps the hidden `v-grade` field in step with the sliders
// and paints a live preview of the grade on #grade-canvas, blended by the final mask that
// mask-editor.js announces with `maskchange`. The maths mirrors crates/imaging (same constants,
// same order: match, white balance and exposure in linear light, then tone, curve and saturation
// in CIELAB D65), but it is only a preview: the server's render is the result.
(function () {
  "use strict";
  var stage = document.getElementById("editor-stage");
  var field = document.getElementById("grade-field");
  if (!stage || !field) return;
  var img = document.getElementById("editor-image");
  var out = document.getElementById("grade-canvas");
  var octx = out.getContext("2d");
  var op = document.getElementById("v-operation");
  var hidden = document.getElementById("v-grade");
  var curveInput = document.getElementById("g-curve");
  var match = document.getElementById("g-match"), ring = document.getElementById("g-ring");
  var live = document.getElementById("g-preview");
  var sliders = field.querySelectorAll("[data-grade]");
  var W = out.width, H = out.height;
  var TEMPERATURE_STOPS = 0.5, TINT_STOPS = 0.35, TONE_BAND_L = 25;
  var src = null, mask = null, maskCanvas = null, box = null, ringCache = null, queued = false;

  // sRGB byte → linear light, and back with one clip (as crates/imaging/src/color.rs).
  var LUT = new Float32Array(256);
  for (var i = 0; i < 256; i++) { var c = i / 255; LUT[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }
  function encode(v) {
    v = v > 0 ? (v < 1 ? v : 1) : 0;
    return Math.round(255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055));
  }
  // Linear sRGB ↔ CIELAB with the D65 white.
  var XN = 0.95047, ZN = 1.08883, EPS = 216 / 24389, KAPPA = 24389 / 27;
  function f(t) { return t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116; }
  function finv(t) { var t3 = t * t * t; return t3 > EPS ? t3 : (116 * t - 16) / KAPPA; }
  function lum(r, g, b) { return 0.2126729 * r + 0.7151522 * g + 0.0721750 * b; }
  function toLab(r, g, b, o) {
    var fx = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN);
    var fy = f(lum(r, g, b));
    var fz = f((0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / ZN);
    o[0] = 116 * fy - 16; o[1] = 500 * (fx - fy); o[2] = 200 * (fy - fz);
  }
  function fromLab(o) {
    var fy = (o[0] + 16) / 116, fx = fy + o[1] / 500, fz = fy - o[2] / 200;
    var x = XN * finv(fx), y = o[0] > 8 ? fy * fy * fy : o[0] / KAPPA, z = ZN * finv(fz);
    o[0] = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
    o[1] = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
    o[2] = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  }

  // "25:20 75:82" → [[25,20],[75,82]]; null when the text is not such a list.
  function parseCurve(text) {
    var pts = [], parts = text.trim().split(/[\s,;]+/).filter(Boolean);
    for (var k = 0; k < parts.length; k++) {
      var m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(parts[k]);
      if (!m) return null;
      pts.push([Number(m[1]), Number(m[2])]);
    }
    return pts;
  }

  function params() {
    var g = {};
    sliders.forEach(function (el) { var v = Number(el.value); if (v) g[el.getAttribute("data-grade")] = v; });
    var curve = parseCurve(curveInput.value);
    curveInput.setCustomValidity(curve ? "" : "Write input:output pairs of L* (0–100), e.g. 25:20 75:82");
    if (curve && curve.length) g.curve = curve;
    if (match.checked) g.match_ring = Number(ring.value);
    return g;
  }

  function curveFn(points) {
    var pts = points.slice().sort(function (a, b) { return a[0] - b[0]; });
    if (!pts.length || pts[0][0] > 0) pts.unshift([0, 0]);
    if (pts[pts.length - 1][0] < 100) pts.push([100, 100]);
    return function (l) {
      var first = pts[0], last = pts[pts.length - 1];
      if (l <= first[0]) return first[1] + (l - first[0]);
      if (l >= last[0]) return last[1] + (l - last[0]);
      for (var k = 1; k < pts.length; k++) {
        if (l < pts[k][0]) { var a = pts[k - 1], b = pts[k]; return a[1] + (b[1] - a[1]) * (l - a[0]) / (b[0] - a[0]); }
      }
      return l;
    };
  }
  function band(x) { return x >= 0 && x <= 1 ? 4 * x * (1 - x) : 0; }

  // Lab mean and spread of the pixels `pick(i)` selects, within the box.
  function stats(pick) {
    var s = [0, 0, 0], q = [0, 0, 0], n = 0, lab = [0, 0, 0];
    for (var y = box.y0; y <= box.y1; y++) for (var x = box.x0; x <= box.x1; x++) {
      var p = y * W + x; if (!pick(p)) continue;
      toLab(LUT[src[4 * p]], LUT[src[4 * p + 1]], LUT[src[4 * p + 2]], lab);
      for (var c = 0; c < 3; c++) { s[c] += lab[c]; q[c] += lab[c] * lab[c]; }
      n++;
    }
    if (!n) return null;
    return { mean: s.map(function (v) { return v / n; }), std: q.map(function (v, c) { var m = s[c] / n; return Math.sqrt(Math.max(0, v / n - m * m)); }) };
  }

  // The ring: pixels outside the mask within `width` px of it (the mask stamped outwards).
  function ringMask(width) {
    if (ringCache && ringCache.width === width && ringCache.mask === mask) return ringCache.ring;
    var t = document.createElement("canvas"); t.width = W; t.height = H;
    var g = t.getContext("2d", { willReadFrequently: true });
    g.drawImage(maskCanvas, 0, 0);
    for (var r = 1; r <= width; r += Math.max(1, Math.floor(width / 6))) {
      for (var k = 0; k < 24; k++) { var a = k * Math.PI / 12; g.drawImage(maskCanvas, Math.round(Math.cos(a) * r), Math.round(Math.sin(a) * r)); }
    }
    var d = g.getImageData(0, 0, W, H).data, ringPx = new Uint8Array(W * H);
    for (var p = 0; p < W * H; p++) ringPx[p] = d[4 * p + 3] > 0 && mask[p] === 0 ? 1 : 0;
    ringCache = { width: width, mask: mask, ring: ringPx };
    return ringPx;
  }

  function transfer(width) {
    var saved = box;
    box = { x0: Math.max(0, box.x0 - width), y0: Math.max(0, box.y0 - width), x1: Math.min(W - 1, box.x1 + width), y1: Math.min(H - 1, box.y1 + width) };
    var ringPx = ringMask(width), target = stats(function (p) { return ringPx[p] === 1; });
    box = saved;
    var hasCore = false;
    for (var p = 0; p < W * H && !hasCore; p++) hasCore = mask[p] === 255;
    var region = stats(function (p) { return hasCore ? mask[p] === 255 : mask[p] > 0; });
    if (!target || !region) return null;
    var scale = [1, 1, 1], offset = [0, 0, 0];
    for (var c = 0; c < 3; c++) {
      var s = region.std[c] < 0.5 ? 1 : Math.min(4, Math.max(0.25, target.std[c] / region.std[c]));
      scale[c] = s; offset[c] = target.mean[c] - region.mean[c] * s;
    }
    return { scale: scale, offset: offset };
  }

  function render() {
    queued = false;
    var g = params();
    hidden.value = JSON.stringify(g);
    octx.clearRect(0, 0, W, H);
    var on = op.value === "grade" && live.checked && src && mask && box;
    stage.classList.toggle("grading", op.value === "grade");
    if (!on || !Object.keys(g).length) return;
    var t = (g.temperature || 0) / 100 * TEMPERATURE_STOPS, tn = -(g.tint || 0) / 100 * TINT_STOPS;
    var raw = [Math.pow(2, t), Math.pow(2, tn), Math.pow(2, -t)];
    var k = Math.pow(2, g.exposure || 0) / lum(raw[0], raw[1], raw[2]);
    var gains = [raw[0] * k, raw[1] * k, raw[2] * k];
    var contrast = Math.pow(2, (g.contrast || 0) / 100), hi = (g.highlights || 0) / 100 * TONE_BAND_L;
    var sh = (g.shadows || 0) / 100 * TONE_BAND_L, chroma = 1 + (g.saturation || 0) / 100;
    var curve = g.curve ? curveFn(g.curve) : null;
    var xfer = g.match_ring ? transfer(g.match_ring) : null;
    var o = octx.createImageData(W, H), d = o.data, lab = [0, 0, 0];
    for (var y = box.y0; y <= box.y1; y++) for (var x = box.x0; x <= box.x1; x++) {
      var p = y * W + x, a = mask[p]; if (!a) continue;
      var r = LUT[src[4 * p]], gg = LUT[src[4 * p + 1]], b = LUT[src[4 * p + 2]];
      if (xfer) {
        toLab(r, gg, b, lab);
        for (var c = 0; c < 3; c++) lab[c] = lab[c] * xfer.scale[c] + xfer.offset[c];
        fromLab(lab); r = lab[0]; gg = lab[1]; b = lab[2];
      }
      r *= gains[0]; gg *= gains[1]; b *= gains[2];
      toLab(r, gg, b, lab);
      var l = 50 + (lab[0] - 50) * contrast;
      l += hi * band((l - 50) / 50);
      l += sh * band(l / 50);
      if (curve) l = curve(l);
      lab[0] = l; lab[1] *= chroma; lab[2] *= chroma;
      fromLab(lab);
      d[4 * p] = encode(lab[0]); d[4 * p + 1] = encode(lab[1]); d[4 * p + 2] = encode(lab[2]); d[4 * p + 3] = a;
    }
    octx.putImageData(o, 0, 0);
  }
  // The field is updated at once (a submit must not wait for a frame); the painting waits.
  function schedule() {
    hidden.value = JSON.stringify(params());
    if (!queued) { queued = true; window.requestAnimationFrame(render); }
  }

  function loadSource() {
    var c = document.createElement("canvas"); c.width = W; c.height = H;
    var g = c.getContext("2d"); g.drawImage(img, 0, 0, W, H);
    src = g.getImageData(0, 0, W, H).data; schedule();
  }
  if (img.complete) loadSource(); else img.addEventListener("load", loadSource);

  stage.addEventListener("maskchange", function (e) {
    maskCanvas = e.detail.mask;
    var d = maskCanvas.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, W, H).data;
    mask = new Uint8Array(W * H); box = null;
    var x0 = W, y0 = H, x1 = -1, y1 = -1;
    for (var p = 0; p < W * H; p++) {
      var a = d[4 * p + 3]; mask[p] = a;
      if (a) { var x = p % W, y = (p - x) / W; if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
    }
    if (x1 >= 0) box = { x0: x0, y0: y0, x1: x1, y1: y1 };
    schedule();
  });

  sliders.forEach(function (el) {
    el.addEventListener("input", function () { el.parentNode.querySelector("output").textContent = el.value; schedule(); });
  });
  [curveInput, match, ring, live, op].forEach(function (el) { el.addEventListener("input", schedule); el.addEventListener("change", schedule); });
  document.getElementById("g-reset").addEventListener("click", function () {
    sliders.forEach(function (el) { el.value = "0"; el.parentNode.querySelector("output").textContent = "0"; });
    curveInput.value = ""; match.checked = false; schedule();
  });
})();
