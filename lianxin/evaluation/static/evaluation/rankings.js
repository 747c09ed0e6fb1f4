// Draws the leaders' trend charts from the figures embedded in the page: every unit's score
// over twelve months, and the three rates of the unit chosen in the list. Without JavaScript
// the table above carries the month's figures.
(function () {
  "use strict";
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  function make(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var c = window.echarts.init(el);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("trends-data");
    if (!node) { return; }
    var t = JSON.parse(node.textContent);
    var scores = make("chart-scores");
    if (scores) {
      scores.setOption({
        tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
        grid: { left: 40, right: 10, top: 40, bottom: 30 },
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value", min: 0, max: 100 },
        series: t.units.map(function (u) {
          return { name: u.name, type: "line", connectNulls: false,
                   data: u.points.map(function (p) { return p.score; }) };
        })
      });
    }
    var rates = make("chart-rates"), select = document.getElementById("trend-unit");
    function draw() {
      if (!rates) { return; }
      var unit = t.units.filter(function (u) { return String(u.id) === select.value; })[0];
      if (!unit) { return; }
      rates.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        legend: { top: 0 }, grid: { left: 40, right: 10, top: 40, bottom: 30 },
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value", min: 0, max: 100 },
        series: ["response_rate", "resolution_rate", "satisfaction_rate"].map(function (k) {
          return { name: t.labels[k], type: "line",
                   data: unit.points.map(function (p) { return pct(p[k]); }) };
        })
      }, true);
    }
    if (select) { select.addEventListener("change", draw); draw(); }
  });
})();
