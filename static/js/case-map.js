// The case maps (templates/petitions/includes/case_map.html): when the reader opens the map, its
// points are fetched from the page's JSON source (petitions/views/maps.py) and drawn with Leaflet
// and its marker-cluster plugin, both vendored in static/vendor. One colour per category; a click
// on a marker opens its case. Every text shown comes from the server, already translated. The
// table on the page stays the accessible alternative (markers are not keyboard stops).
(function () {
  "use strict";

  var box = document.getElementById("case-map");
  if (!box || typeof window.L === "undefined") {
    return;
  }
  var details = document.getElementById("case-map-details");
  var status = document.getElementById("case-map-status");
  var legend = document.getElementById("case-map-legend");
  var started = false;
  var SVG = "http://www.w3.org/2000/svg";

  function swatch(colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "chart-swatch");
    svg.setAttribute("viewBox", "0 0 12 12");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", "6");
    dot.setAttribute("cy", "6");
    dot.setAttribute("r", "5");
    dot.setAttribute("fill", colour);
    svg.appendChild(dot);
    return svg;
  }

  function drawLegend(entries) {
    legend.textContent = "";
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.appendChild(swatch(entry.colour));
      item.appendChild(document.createTextNode(entry.name));
      legend.appendChild(item);
    });
  }

  function draw(data) {
    // The zoom range is the map's own: without a base layer nothing else would give one.
    var map = window.L.map(box, { scrollWheelZoom: false, minZoom: 7, maxZoom: 19 });
    if (box.dataset.tiles) {
      window.L.tileLayer(box.dataset.tiles, {
        attribution: box.dataset.attribution,
        maxZoom: 19,
      }).addTo(map);
    }
    var clusters = window.L.markerClusterGroup({ showCoverageOnHover: false });
    data.points.forEach(function (point) {
      var marker = window.L.circleMarker([point.lat, point.lng], {
        radius: 8,
        color: "#ffffff",
        weight: 2,
        fillColor: point.colour,
        fillOpacity: 0.95,
        className: "case-marker",
      });
      marker.bindTooltip(point.label);
      marker.on("click", function () {
        window.location.assign(point.url);
      });
      clusters.addLayer(marker);
    });
    map.addLayer(clusters);
    if (data.points.length) {
      map.fitBounds(clusters.getBounds(), { padding: [24, 24], maxZoom: 16 });
    } else {
      map.fitBounds(data.bounds);
    }
    drawLegend(data.legend);
    status.textContent = data.summary;
    // For the browser tests and anyone scripting the page: how many cases were drawn.
    box.dataset.drawn = String(data.points.length);
  }

  function start() {
    if (started) {
      return;
    }
    started = true;
    status.textContent = box.dataset.loading;
    window
      .fetch(box.dataset.source, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(draw)
      .catch(function (error) {
        status.textContent = box.dataset.failed;
        box.dataset.drawn = "error";
        if (window.console) {
          window.console.error(error);
        }
      });
  }

  // Leaflet needs a box with a size: the map is drawn once the details element is open.
  if (!details || details.open) {
    start();
  } else {
    details.addEventListener("toggle", function () {
      if (details.open) {
        start();
      }
    });
  }
})();
