/* The process diagram (bpmn-js navigated viewer) with monitoring overlays:
 * token and incident badges, markers (taken flows, bottlenecks, visited nodes), a heatmap. */
(function () {
  "use strict";

  function badge(kind, count, node, title) {
    const div = document.createElement("div");
    div.className = "bpm-badge " + kind;
    div.dataset.node = node;
    div.title = title;
    div.textContent = String(count);
    return div;
  }

  /* 0 -> pale yellow, 1 -> deep red. */
  function heatColor(value) {
    const hue = 55 - 55 * Math.max(0, Math.min(1, value));
    return "hsla(" + hue.toFixed(0) + ", 95%, 50%, 0.55)";
  }

  class Diagram {
    constructor(viewer) {
      this.viewer = viewer;
      this.canvas = viewer.get("canvas");
      this.overlays = viewer.get("overlays");
      this.registry = viewer.get("elementRegistry");
      this.markers = new Map();
    }

    has(id) {
      return Boolean(id && this.registry.get(id));
    }

    /* nodes: {nodeId: {tokens, incidents}} */
    badges(nodes) {
      this.overlays.remove({ type: "bpm-badge" });
      for (const [id, counts] of Object.entries(nodes)) {
        if (!this.has(id)) continue;
        if (counts.tokens) {
          const title = counts.tokens + " token(s) here now";
          this.overlays.add(id, "bpm-badge", { position: { bottom: 10, left: -10 }, html: badge("tokens", counts.tokens, id, title) });
        }
        if (counts.incidents) {
          const title = counts.incidents + " open incident(s)";
          this.overlays.add(id, "bpm-badge", { position: { bottom: 10, right: 10 }, html: badge("incidents", counts.incidents, id, title) });
        }
      }
    }

    /* Exactly `ids` carry `className` afterwards. */
    mark(ids, className) {
      const wanted = new Set([...ids].filter((id) => this.has(id)));
      const before = this.markers.get(className) || new Set();
      for (const id of before) if (!wanted.has(id)) this.canvas.removeMarker(id, className);
      for (const id of wanted) if (!before.has(id)) this.canvas.addMarker(id, className);
      this.markers.set(className, wanted);
    }

    /* values: {nodeId: number}; colours relative to the largest; empty object clears. */
    heat(values, format) {
      this.overlays.remove({ type: "bpm-heat" });
      const max = Math.max(0, ...Object.values(values));
      if (!max) return;
      for (const [id, value] of Object.entries(values)) {
        const element = this.registry.get(id);
        if (!element || element.waypoints || !value) continue; // nothing to show: no colour
        const div = document.createElement("div");
        div.className = "bpm-heat";
        div.dataset.node = id;
        div.style.width = element.width + "px";
        div.style.height = element.height + "px";
        div.style.background = heatColor(value / max);
        div.title = format(value);
        this.overlays.add(id, "bpm-heat", { position: { top: 0, left: 0 }, html: div });
      }
    }
  }

  async function open(containerId, xml) {
    const viewer = new window.BpmnJS({ container: document.getElementById(containerId) });
    try {
      await viewer.importXML(xml);
    } catch (error) {
      document.getElementById(containerId).textContent = "The diagram cannot be drawn: " + error.message;
      throw error;
    }
    const diagram = new Diagram(viewer);
    diagram.canvas.zoom("fit-viewport", "auto");
    if (!viewer.get("elementRegistry").filter((e) => e.type !== "bpmn:Process").length) {
      document.getElementById(containerId).dataset.empty = "true";
      const note = document.createElement("p");
      note.className = "hint";
      note.textContent = "This model has no diagram layout (BPMNDI); badges are listed in the table below.";
      document.getElementById(containerId).appendChild(note);
    }
    return diagram;
  }

  window.BpmDiagram = { open };
})();
