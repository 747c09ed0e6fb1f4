// Draws the dashboard's charts from the figures embedded in the page; a click on a point or
// a bar opens the appeals behind it. Without JavaScript the tables carry the same figures.
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function chart(id, option, rows) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var c = window.echarts.init(el);
    c.setOption(option);
    c.on("click", function (p) { if (rows[p.dataIndex]) { window.location = rows[p.dataIndex].url; } });
    window.addEventListener("resize", function () { c.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var trend = data("trend-data"), cats = data("categories-data");
    chart("chart-trend", {
      tooltip: { trigger: "axis" }, grid: { left: 40, right: 10, top: 20, bottom: 30 },
      xAxis: { type: "category", data: trend.map(function (r) { return r.day.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", smooth: true, areaStyle: {}, data: trend.map(function (r) { return r.received; }) }]
    }, trend);
    chart("chart-categories", {
      tooltip: {}, grid: { left: 110, right: 10, top: 10, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: cats.map(function (r) { return r.name || "—"; }) },
      series: [{ type: "bar", data: cats.map(function (r) { return r.received; }) }]
    }, cats);
  });
})();
