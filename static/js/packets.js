// Packet status page: while the packet is queued or building, fetch the page's JSON every two
// seconds and update the status line (an aria-live region), the progress bar, the error and the
// download link. Without JavaScript the page still works: reload it by hand.
(function () {
  "use strict";
  var INTERVAL = 2000;
  var box = document.querySelector("[data-packet-status-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-packet-status-url");
  var statusLine = box.querySelector("[data-packet-status]");
  var progress = box.querySelector("[data-packet-progress]");
  var errorLine = box.querySelector("[data-packet-error]");
  var download = box.querySelector("[data-packet-download]");
  var hint = box.querySelector("[data-packet-reload-hint]");

  function show(data) {
    if (statusLine.textContent !== data.status) {
      statusLine.textContent = data.status;
    }
    if (progress && data.total) {
      progress.max = data.total;
      progress.value = data.done;
      progress.textContent = data.done + "/" + data.total;
    }
    if (data.error) {
      errorLine.textContent = data.error;
      errorLine.hidden = false;
    }
    if (data.download_url && !download.querySelector("a")) {
      var link = document.createElement("a");
      link.className = "button";
      link.href = data.download_url;
      link.textContent = box.getAttribute("data-download-label");
      download.appendChild(link);
    }
    if (data.finished) {
      if (progress && !data.total) {
        progress.hidden = true;
      }
      if (hint) {
        hint.hidden = true;
      }
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.finished) {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        // A network hiccup: try again a little later; the manual reload still works.
        window.setTimeout(poll, INTERVAL * 3);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
