/* Definition view: live badges per node, the heatmap toggle, bottlenecks, statistics, charts. */
(function () {
  "use strict";
  const live = window.BpmLive;
  const script = document.currentScript;
  let summary = live.json("definition-summary");
  let diagram = null;

  const HEAT = {
    mean_ms: { format: live.formatMs },
    failure_rate: { format: (v) => (v * 100).toFixed(1) + " %" },
    visits: { format: (v) => v + " visits" },
  };

  function renderHeat() {
    if (!diagram) return;
    const metric = document.getElementById("heatmap").value;
    const values = {};
    if (metric) {
      for (const row of summary.statistics) if (row[metric] !== null) values[row.node] = row[metric];
    }
    diagram.heat(values, metric ? HEAT[metric].format : String);
  }

  function render() {
    for (const [key, value] of Object.entries(summary.counts)) {
      const target = document.querySelector('#counts [data-count="' + key + '"]');
      if (target) target.textContent = value;
    }
    const body = document.querySelector("#node-stats tbody");
    body.replaceChildren();
    for (const row of summary.statistics) {
      const tr = document.createElement("tr");
      if (row.bottleneck) tr.className = "bottleneck";
      live.cell(tr, row.node + (row.bottleneck ? " (bottleneck)" : ""));
      live.cell(tr, row.visits, "num");
      live.cell(tr, live.formatMs(row.mean_ms), "num");
      live.cell(tr, live.formatMs(row.p50_ms), "num");
      live.cell(tr, live.formatMs(row.p95_ms), "num");
      live.cell(tr, (row.failure_rate * 100).toFixed(1) + " %", "num");
      body.appendChild(tr);
    }
    window.BpmCharts.throughputAndCycle(summary.chart);
    if (diagram) {
      diagram.badges(summary.nodes);
      diagram.mark(new Set(summary.statistics.filter((r) => r.bottleneck).map((r) => r.node)), "bpm-bottleneck");
      renderHeat();
    }
  }

  const refresh = live.throttle(async function () {
    summary = await live.fetchJson(script.dataset.jsonUrl);
    render();
  }, 300);

  document.getElementById("heatmap").addEventListener("change", renderHeat);
  render();
  window.BpmDiagram.open("diagram", live.json("definition-xml")).then(function (opened) {
    diagram = opened;
    render();
    document.getElementById("diagram").dataset.ready = "true";
  });
  live.connect({
    subscriptions: () => [{ subscribe: "definition", id: summary.id }],
    onEvents: refresh,
    onReconnect: refresh,
  });
})();
