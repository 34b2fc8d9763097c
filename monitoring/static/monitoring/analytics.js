/* Analytics page: the charts, and durations formatted for people. */
(function () {
  "use strict";
  const live = window.BpmLive;
  for (const cell of document.querySelectorAll("[data-ms]")) cell.textContent = live.formatMs(cell.dataset.ms);
  const chart = document.getElementById("analytics-chart");
  if (chart) window.BpmCharts.throughputAndCycle(JSON.parse(chart.textContent));
})();
