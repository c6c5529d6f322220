// Small progressive enhancements; every page works without this file.
// A form or button with data-confirm="…" asks before submitting (e.g. deleting a row).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var submitter = event.submitter;
  var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A table wider than the screen scrolls sideways inside its .table-wrap box. Such a box is made
// a keyboard stop (arrow keys then scroll it) and a named region, named after the table's
// caption; when the table fits again it stops being one, so desktops get no extra Tab stops.
(function () {
  var fallbackLabel = document.body.getAttribute("data-scroll-region-label") || "";

  function update() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var overflows = box.scrollWidth > box.clientWidth;
      var made = box.hasAttribute("data-scroll-region");
      if (overflows && !made && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("data-scroll-region", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption && caption.textContent.trim()) || fallbackLabel);
      } else if (!overflows && made) {
        box.removeAttribute("data-scroll-region");
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }

  var pending = false;
  window.addEventListener("resize", function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        update();
      });
    }
  });
  update();
})();
