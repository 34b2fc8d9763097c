/* Instance view. Everything drawn comes from the event log: the page folds the events up to
 * the replay position into token positions, taken flows and variables, so "now" and "after
 * event 12" are the same code. Live events are appended; the slider follows them while it
 * sits at the end. */
(function () {
  "use strict";
  const live = window.BpmLive;
  const script = document.currentScript;
  let detail = live.json("instance-detail");
  const events = new Map(); // seq -> event
  let diagram = null;
  const slider = document.getElementById("replay");
  let following = true; // the slider sits at the newest event

  for (const event of detail.events) events.set(event.seq, event);

  function lastSeq() {
    return events.size ? Math.max(...events.keys()) : 0;
  }

  /* Tokens, taken flows, visited nodes and variables after event `upto`. */
  function fold(upto) {
    const tokens = new Map();
    const flows = new Set();
    const visited = new Set();
    let variables = {};
    let status = "running";
    const ordered = [...events.values()].filter((e) => e.seq <= upto).sort((a, b) => a.seq - b.seq);
    for (const e of ordered) {
      const data = e.payload || {};
      switch (e.type) {
        case "instance_started":
          variables = Object.assign({}, data.variables || {});
          break;
        case "variables_updated":
          variables = Object.assign({}, variables, data.values || {});
          break;
        case "token_arrived":
          tokens.set(e.token, { node: e.node, status: "active" });
          visited.add(e.node);
          if (data.flow) flows.add(data.flow);
          break;
        case "task_waiting":
        case "token_joined":
        case "scope_started":
          if (tokens.has(e.token)) tokens.get(e.token).status = e.type === "scope_started" ? "in_scope" : "waiting";
          break;
        case "join_fired":
          for (const consumed of data.consumed || []) tokens.delete(consumed);
          tokens.set(e.token, { node: e.node, status: "active" });
          visited.add(e.node);
          break;
        case "incident_raised":
          if (tokens.has(e.token)) tokens.get(e.token).status = "failed";
          break;
        case "incident_resolved":
          if (tokens.has(e.token)) tokens.get(e.token).status = "active";
          break;
        case "node_completed":
        case "token_terminated":
          tokens.delete(e.token);
          break;
        case "instance_completed":
        case "instance_terminated":
        case "instance_cancelled":
          tokens.clear();
          status = e.type.replace("instance_", "");
          break;
      }
    }
    return { tokens, flows, visited, variables, status };
  }

  function renderState() {
    const upto = Number(slider.value);
    const state = fold(upto);
    const nodes = {};
    for (const token of state.tokens.values()) {
      const counts = (nodes[token.node] = nodes[token.node] || { tokens: 0, incidents: 0 });
      if (token.status === "failed") counts.incidents += 1;
      else counts.tokens += 1;
    }
    if (diagram) {
      diagram.badges(nodes);
      diagram.mark(state.flows, "bpm-taken");
      diagram.mark(state.visited, "bpm-visited");
    }
    document.getElementById("variables").textContent = JSON.stringify(state.variables, null, 2);
    const at = events.get(upto);
    document.getElementById("variables-when").textContent = following ? "(now)" : "(after event " + upto + ")";
    document.getElementById("replay-label").textContent = following
      ? "now (event " + upto + ")"
      : "replay: after event " + upto + (at ? " · " + at.type + " · " + new Date(at.at).toLocaleString() : "");
    document.getElementById("instance-status").textContent = following ? state.status : state.status + " (then)";
    for (const row of document.querySelectorAll("#timeline tbody tr")) {
      row.classList.toggle("future", Number(row.dataset.seq) > upto);
      row.classList.toggle("current", Number(row.dataset.seq) === upto);
    }
  }

  function describe(e) {
    const data = e.payload || {};
    if (e.type === "variables_updated") return JSON.stringify(data.values || {});
    if (e.type === "incident_raised") return data.error || "";
    if (e.type === "instance_started") return JSON.stringify(data.variables || {});
    if (e.type === "token_arrived" && data.flow) return "via " + data.flow;
    if (e.type === "task_waiting") return data.kind || "";
    if (e.type === "instance_cancelled" || e.type === "token_terminated") return data.reason || "";
    return "";
  }

  function appendTimeline(newEvents) {
    const body = document.querySelector("#timeline tbody");
    for (const e of newEvents.sort((a, b) => a.seq - b.seq)) {
      const row = document.createElement("tr");
      row.dataset.seq = e.seq;
      live.cell(row, e.seq, "num");
      live.cell(row, new Date(e.at).toLocaleTimeString());
      live.cell(row, e.type, "event-" + e.type);
      live.cell(row, e.node);
      live.cell(row, e.token, "num");
      live.cell(row, describe(e), "details");
      live.cell(row, e.hash ? e.hash.slice(0, 10) : "", "hash");
      row.addEventListener("click", function () {
        slider.value = e.seq;
        following = e.seq >= lastSeq();
        renderState();
      });
      body.appendChild(row);
    }
  }

  function renderIncidents() {
    const list = document.getElementById("incidents");
    const template = document.getElementById("retry-form");
    list.replaceChildren();
    for (const incident of detail.incidents) {
      const item = document.createElement("li");
      item.className = incident.resolved_at ? "resolved" : "open";
      item.dataset.incident = incident.id;
      const title = document.createElement("strong");
      title.textContent = incident.node + (incident.resolved_at ? " (resolved)" : "");
      const error = document.createElement("pre");
      error.textContent = incident.error + (incident.details ? "\n" + incident.details : "");
      const when = document.createElement("span");
      when.className = "hint";
      when.textContent = " " + new Date(incident.at).toLocaleString();
      item.append(title, when, error);
      if (!incident.resolved_at && template) {
        const form = template.content.firstElementChild.cloneNode(true);
        form.action = script.dataset.retryUrl.replace(/\/0\/retry\/$/, "/" + incident.id + "/retry/");
        item.appendChild(form);
      }
      list.appendChild(item);
    }
    document.getElementById("no-incidents").hidden = detail.incidents.length > 0;
  }

  const refreshIncidents = live.throttle(async function () {
    detail = await live.fetchJson(script.dataset.jsonUrl);
    renderIncidents();
  }, 300);

  function receive(newEvents) {
    const added = newEvents.filter((e) => e.instance === detail.id && !events.has(e.seq));
    if (!added.length) return;
    for (const e of added) events.set(e.seq, e);
    slider.max = lastSeq();
    if (following) slider.value = lastSeq();
    appendTimeline(added);
    renderState();
    if (added.some((e) => e.type.startsWith("incident_") || e.type.startsWith("instance_"))) refreshIncidents();
  }

  slider.addEventListener("input", function () {
    following = Number(slider.value) >= lastSeq();
    renderState();
  });

  appendTimeline([...events.values()]);
  renderIncidents();
  renderState();
  window.BpmDiagram.open("diagram", live.json("definition-xml")).then(function (opened) {
    diagram = opened;
    renderState();
    document.getElementById("diagram").dataset.ready = "true";
  });
  live.connect({
    subscriptions: () => [{ subscribe: "instance", id: detail.id, after: lastSeq() }],
    onEvents: receive,
    onReconnect: refreshIncidents,
  });
})();
