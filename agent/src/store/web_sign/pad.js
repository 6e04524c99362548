// Web Sign's signature pad: draws with a finger, pen or mouse on each pad's canvas and,
// when the form is sent, puts the drawing in the pad's hidden field as a PNG data: URL.
// Without this script the pads stay hidden and the typed signature is the way to sign.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".pad[data-field]").forEach(function (pad) {
    var canvas = pad.querySelector("canvas");
    var form = pad.closest("form");
    var field = form.querySelector('input[type="hidden"][name="' + pad.dataset.field + '"]');
    var ctx = canvas.getContext("2d");
    var drawn = 0;
    var last = null;
    function paper() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#101830";
      ctx.lineWidth = 3.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      drawn = 0;
    }
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    paper();
    pad.hidden = false;
    canvas.addEventListener("pointerdown", function (e) {
      canvas.setPointerCapture(e.pointerId);
      last = at(e);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!last) { return; }
      var p = at(e);
      ctx.beginPath();
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      drawn += Math.hypot(p[0] - last[0], p[1] - last[1]);
      last = p;
      e.preventDefault();
    });
    function up() { last = null; }
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    pad.querySelector("button.clear").addEventListener("click", paper);
    form.addEventListener("submit", function () {
      // A stray touch is not a signature: as at the kiosk, enough ink must be laid down.
      field.value = drawn >= 40 ? canvas.toDataURL("image/png") : "";
    });
  });
});
