/* Dashboard: counts per definition, charts and recent failures; refetched when events arrive. */
(function () {
  "use strict";
  const live = window.BpmLive;
  const script = document.currentScript;
  const definitionUrl = (id) => script.dataset.definitionUrl.replace("/0/", "/" + id + "/");
  const instanceUrl = (id) => script.dataset.instanceUrl.replace("/0/", "/" + id + "/");

  function render(snapshot) {
    const body = document.querySelector("#definitions tbody");
    body.replaceChildren();
    for (const d of snapshot.definitions) {
      const row = document.createElement("tr");
      row.dataset.definition = d.id;
      live.cell(row, live.link(definitionUrl(d.id), d.name || d.key));
      live.cell(row, "v" + d.version + (d.suspended ? " (suspended)" : ""));
      for (const key of ["running", "failed", "completed", "ended_otherwise", "incidents"]) {
        const td = live.cell(row, d[key], "num");
        td.dataset.count = key;
        if ((key === "failed" || key === "incidents") && d[key]) td.classList.add("failed");
      }
      body.appendChild(row);
    }
    document.getElementById("no-definitions").hidden = snapshot.definitions.length > 0;

    const failures = document.querySelector("#failures tbody");
    failures.replaceChildren();
    for (const f of snapshot.recent_failures) {
      const row = document.createElement("tr");
      live.cell(row, new Date(f.at).toLocaleString());
      live.cell(row, live.link(instanceUrl(f.instance), "#" + f.instance));
      live.cell(row, f.process);
      live.cell(row, f.node);
      live.cell(row, f.error, "error");
      failures.appendChild(row);
    }
    document.getElementById("no-failures").hidden = snapshot.recent_failures.length > 0;
    window.BpmCharts.throughputAndCycle(snapshot.chart);
  }

  const refresh = live.throttle(async function () {
    render(await live.fetchJson(script.dataset.jsonUrl));
  }, 500);

  render(live.json("dashboard-snapshot"));
  live.connect({ subscriptions: () => [{ subscribe: "dashboard" }], onEvents: refresh, onReconnect: refresh });
})();
