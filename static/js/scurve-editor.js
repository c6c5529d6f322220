// S-curve editor (預定進度): fills the month grid in the browser and redraws the preview line as
// the grid is typed in. Without JavaScript every button posts to the server, which fills the
// grid and draws the chart itself (projects/views/registration.py: plan_edit); this script only
// saves the round trip. The server checks the rules when the curve is saved, whatever filled it.
(function () {
  "use strict";
  var grid = document.querySelector("[data-plan-grid]");
  var fill = document.querySelector(".plan-fill");
  if (!grid || !fill) {
    return;
  }
  var SVG = "http://www.w3.org/2000/svg";
  var budget = Number(fill.getAttribute("data-budget")) || 0;
  var status = fill.querySelector("[data-plan-status]");
  var chart = document.querySelector("[data-plan-chart]");

  function rows() {
    return Array.prototype.map.call(grid.querySelectorAll("tbody tr"), function (tr) {
      return {
        percent: tr.querySelector("input[name^='percent_']"),
        allocation: tr.querySelector("input[name^='allocation_']")
      };
    });
  }

  // What the server reads: full-width digits (NFKC), thousands separators, a trailing % or 元.
  function number(text) {
    var cleaned = String(text || "").normalize("NFKC").replace(/[,\s]/g, "");
    cleaned = cleaned.replace(/%$/, "").replace(/元$/, "");
    if (!/^-?\d+(\.\d+)?$/.test(cleaned)) {
      return null;
    }
    return Number(cleaned);
  }

  function money(amount) {
    return String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function percentText(value) {
    return (Math.round(value * 100) / 100).toFixed(2);
  }

  function announce(message) {
    if (status && message) {
      status.textContent = "";
      status.textContent = message;
    }
  }

  // The same shapes as projects/plans.py: straight line, and smoothstep 3t² − 2t³ for the S.
  function shape(kind, n) {
    var fractions = [];
    for (var i = 1; i <= n; i += 1) {
      var t = i / n;
      fractions.push(kind === "s_shape" ? 3 * t * t - 2 * t * t * t : t);
    }
    return fractions;
  }

  function setRows(values) {
    var all = rows();
    values.forEach(function (value, i) {
      if (!all[i]) {
        return;
      }
      all[i].percent.value = percentText(value.percent);
      if (value.allocation !== null && value.allocation !== undefined) {
        all[i].allocation.value = money(value.allocation);
      }
    });
    redraw();
  }

  function proportional(percent) {
    return (budget * percent) / 100;
  }

  // -- the preview line --------------------------------------------------------------------

  function redraw() {
    if (!chart) {
      return;
    }
    var svg = chart.querySelector("svg.s-curve-svg");
    if (!svg) {
      return;
    }
    var plot = chart.getAttribute("data-plot").split(",").map(Number);
    var left = plot[0], right = plot[1], top = plot[2], bottom = plot[3];
    var n = Number(chart.getAttribute("data-count"));
    var parts = [];
    rows().forEach(function (row, i) {
      var p = number(row.percent.value);
      if (p === null) {
        return;
      }
      var x = n === 1 ? (left + right) / 2 : left + (i * (right - left)) / (n - 1);
      var y = bottom - (Math.min(Math.max(p, 0), 100) / 100) * (bottom - top);
      parts.push((parts.length ? "L" : "M") + x.toFixed(1) + "," + y.toFixed(1));
    });
    var path = svg.querySelector("path.s-curve-current");
    if (!path) {
      path = document.createElementNS(SVG, "path");
      path.setAttribute("class", "s-curve-line s-curve-current");
      svg.appendChild(path);
    }
    path.setAttribute("d", parts.join(" "));
  }

  grid.addEventListener("input", redraw);

  // -- fill buttons ------------------------------------------------------------------------

  fill.querySelectorAll("[data-fill]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var n = rows().length;
      var values = shape(button.getAttribute("data-fill"), n).map(function (f, i) {
        var last = i === n - 1;
        return { percent: last ? 100 : f * 100, allocation: last ? budget : budget * f };
      });
      setRows(values);
      announce(button.getAttribute("data-done") || fill.getAttribute("data-done"));
    });
  });

  // -- a column pasted from Excel ----------------------------------------------------------

  // Lines of one or two numbers (percent, allocation), a label column first allowed; null when
  // a line cannot be read (the server then explains which).
  function parse(text) {
    var lines = String(text || "").split(/\r\n|\r|\n/);
    while (lines.length && !lines[lines.length - 1].trim()) {
      lines.pop();
    }
    while (lines.length && !lines[0].trim()) {
      lines.shift();
    }
    var values = [];
    for (var i = 0; i < lines.length; i += 1) {
      var cells = lines[i].split("\t").map(function (c) { return c.trim(); });
      while (cells.length && !cells[cells.length - 1]) {
        cells.pop();
      }
      if (cells.length > 1 && number(cells[0]) === null) {
        cells.shift();
      }
      var percent = number(cells[0]);
      if (percent === null || percent < 0 || percent > 100) {
        return null;
      }
      var allocation = cells.length > 1 ? number(cells[1]) : proportional(percent);
      if (allocation === null) {
        return null;
      }
      values.push({ percent: percent, allocation: allocation });
    }
    return values.length ? values : null;
  }

  var pasteButton = fill.querySelector("[data-paste]");
  var pasteBox = fill.querySelector("textarea[name='paste']");
  if (pasteButton && pasteBox) {
    pasteButton.addEventListener("click", function (event) {
      var values = parse(pasteBox.value);
      if (!values || values.length !== rows().length) {
        return; // the server says what is wrong with the text
      }
      event.preventDefault();
      setRows(values);
      announce(fill.getAttribute("data-done"));
    });
  }

  // Pasting several lines into a percentage box fills the column from that month down.
  grid.addEventListener("paste", function (event) {
    var target = event.target;
    if (!target.name || target.name.indexOf("percent_") !== 0 || !event.clipboardData) {
      return;
    }
    var text = event.clipboardData.getData("text/plain");
    if (!/[\n\t]/.test(text.trim())) {
      return; // one value: the browser pastes it
    }
    var values = parse(text);
    if (!values) {
      return;
    }
    event.preventDefault();
    var all = rows();
    var start = all.findIndex(function (row) { return row.percent === target; });
    var padded = all.map(function () { return {}; });
    values.forEach(function (value, i) {
      if (start + i < padded.length) {
        padded[start + i] = value;
      }
    });
    padded.forEach(function (value, i) {
      if (value.percent !== undefined) {
        all[i].percent.value = percentText(value.percent);
        all[i].allocation.value = money(value.allocation);
      }
    });
    redraw();
    announce(fill.getAttribute("data-done"));
  });
})();
