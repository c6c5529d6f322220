// Award list: a "select all" checkbox for the reviewers' bulk confirmation. Without this file
// each award is still ticked one by one.
(function () {
  "use strict";
  var holder = document.querySelector(".award-select-all");
  var boxes = document.querySelectorAll("input.award-select");
  if (!holder || !boxes.length) {
    return;
  }
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "award-select-all";
  var label = document.createElement("label");
  label.htmlFor = all.id;
  label.className = "visually-hidden";
  label.textContent = holder.getAttribute("data-select-all-label");
  holder.appendChild(all);
  holder.appendChild(label);

  all.addEventListener("change", function () {
    boxes.forEach(function (box) {
      box.checked = all.checked;
    });
  });
  document.addEventListener("change", function (event) {
    if (!event.target.classList || !event.target.classList.contains("award-select")) {
      return;
    }
    var checked = 0;
    boxes.forEach(function (box) {
      if (box.checked) {
        checked += 1;
      }
    });
    all.checked = checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  });
})();
