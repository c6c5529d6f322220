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
