// Telephone test form: show only the score groups the chosen call route is scored on (through
// the switchboard: 總機 and 業務單位; a direct or 1999 call: 業務單位). Without JavaScript every
// group shows and the server ignores the groups that do not apply.
(function () {
  "use strict";
  var GROUPS_BY_ROUTE = {
    switchboard: ["switchboard", "unit"],
    direct: ["unit"],
    hotline: ["unit"]
  };
  var radios = document.querySelectorAll("[data-route-field] input[type=radio]");
  if (!radios.length) {
    return;
  }
  var groups = document.querySelectorAll("[data-score-group]");

  function update() {
    var checked = document.querySelector("[data-route-field] input[type=radio]:checked");
    var shown = checked ? GROUPS_BY_ROUTE[checked.value] || [] : null;
    groups.forEach(function (group) {
      group.hidden = shown !== null && shown.indexOf(group.getAttribute("data-score-group")) === -1;
    });
  }

  radios.forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
