/* Draws the dashboards' charts with Chart.js (served by Lodestar itself, no CDN).
 *
 * Each <canvas data-chart="ID"> names a <script type="application/json" id="ID"> that
 * holds {kind, labels, datasets, ...} prepared by the server. Every chart also has a
 * heading and a table alternative in the page, so nothing here is the only way to
 * read a figure. Colours come from the CSS custom properties of static/css/app.css.
 */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return; // the tables still carry every figure
  }
  var Chart = window.Chart;
  var styles = window.getComputedStyle(document.documentElement);
  function cssColour(name) {
    return styles.getPropertyValue("--" + name).trim();
  }
  var ink = cssColour("ink"), muted = cssColour("muted"), accent = cssColour("accent");
  var good = cssColour("good"), warn = cssColour("warn"), bad = cssColour("bad");
  Chart.defaults.color = ink;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false; // steady pictures for print and screenshots

  var palette = [accent, warn, good, cssColour("violet"), bad, muted];

  function colour(dataset, index) {
    var c = dataset.color || palette[index % palette.length];
    dataset.borderColor = dataset.borderColor || c;
    dataset.backgroundColor = dataset.backgroundColor || c;
    return dataset;
  }

  var builders = {
    sparkline: function (spec) {
      var datasets = [
        colour({ label: spec.valueLabel || "Value", data: spec.values, tension: 0.25,
          pointRadius: 2, borderWidth: 2, fill: false }, 0),
      ];
      if (spec.target !== null && spec.target !== undefined) {
        datasets.push({ label: "Target", data: spec.labels.map(function () { return spec.target; }),
          borderColor: muted, borderDash: [4, 4], borderWidth: 1, pointRadius: 0, fill: false });
      }
      return {
        type: "line",
        data: { labels: spec.labels, datasets: datasets },
        options: {
          plugins: { legend: { display: false }, tooltip: { enabled: true } },
          scales: { x: { display: false }, y: { display: false, grace: "10%" } },
        },
      };
    },
    bar: function (spec) {
      return {
        type: "bar",
        data: { labels: spec.labels, datasets: spec.datasets.map(colour) },
        options: {
          indexAxis: spec.horizontal ? "y" : "x",
          plugins: { legend: { display: spec.datasets.length > 1 } },
          scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
        },
      };
    },
    radar: function (spec) {
      return {
        type: "radar",
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d, i) {
            d = colour(d, i);
            d.backgroundColor = "transparent";
            d.borderDash = d.dashed ? [4, 4] : [];
            return d;
          }),
        },
        options: { scales: { r: { beginAtZero: true, suggestedMax: spec.max || 5 } } },
      };
    },
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var build = builders[spec.kind];
    if (build) {
      new Chart(canvas, build(spec));
    }
  });
})();
