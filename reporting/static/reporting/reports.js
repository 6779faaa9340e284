// Reports: draw the charts with the vendored Chart.js (static/reporting/vendor, no CDN).
// Each <canvas data-chart="..."> has its data in a json_script element named "<canvas id>-data".
(function () {
  "use strict";

  var COLORS = { outbound: "#0b6e4f", inbound: "#2f80ed" };

  function data(canvas) {
    var script = document.getElementById(canvas.id + "-data");
    return script ? JSON.parse(script.textContent) : null;
  }

  var CHARTS = {
    activity: function (canvas, d) {
      return new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: "Sent", data: d.outbound, backgroundColor: COLORS.outbound },
            { label: "Received", data: d.inbound, backgroundColor: COLORS.inbound }
          ]
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    },
    funnel: function (canvas, d) {
      return new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [{ label: "Recipients", data: d.values, backgroundColor: COLORS.outbound }]
        },
        options: {
          indexAxis: "y",
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    }
  };

  function draw() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var make = CHARTS[canvas.dataset.chart];
      var d = data(canvas);
      if (make && d && !canvas.dataset.drawn) {
        make(canvas, d);
        canvas.dataset.drawn = "true";  // tests wait for this
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
