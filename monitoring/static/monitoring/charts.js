/* Small SVG charts drawn by hand (no chart library): bars per hour and a line. */
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const W = 600;
  const H = 180;
  const PAD = { left: 64, right: 8, top: 10, bottom: 22 };

  function el(name, attributes, parent) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function frame(svg, max, format) {
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    for (const fraction of [0, 0.5, 1]) {
      const y = PAD.top + (1 - fraction) * (H - PAD.top - PAD.bottom);
      el("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "grid" }, svg);
      el("text", { x: PAD.left - 4, y: y + 4, "text-anchor": "end", class: "axis" }, svg).textContent = format(max * fraction);
    }
  }

  function hourLabel(points, svg, slot) {
    const step = Math.max(1, Math.ceil(points.length / 8));
    points.forEach(function (point, index) {
      if (index % step) return;
      const date = new Date(point.hour);
      const label = points.length > 48 ? date.getMonth() + 1 + "/" + date.getDate() : date.getHours() + ":00";
      el("text", { x: PAD.left + index * slot + slot / 2, y: H - 6, "text-anchor": "middle", class: "axis" }, svg).textContent = label;
    });
  }

  /* Grouped bars: series = [{key, className}] read from each point. */
  function bars(svg, points, series) {
    const max = Math.max(1, ...points.flatMap((p) => series.map((s) => p[s.key] || 0)));
    frame(svg, max, (v) => String(Math.round(v)));
    const slot = (W - PAD.left - PAD.right) / Math.max(1, points.length);
    const width = Math.max(1, (slot - 2) / series.length);
    points.forEach(function (point, index) {
      series.forEach(function (s, n) {
        const value = point[s.key] || 0;
        const height = (value / max) * (H - PAD.top - PAD.bottom);
        const bar = el("rect", {
          x: PAD.left + index * slot + 1 + n * width, y: H - PAD.bottom - height, width: width, height: height, class: s.className,
        }, svg);
        el("title", {}, bar).textContent = new Date(point.hour).toLocaleString() + ": " + value + " " + s.key;
      });
    });
    hourLabel(points, svg, slot);
  }

  function line(svg, points, key, format) {
    const values = points.map((p) => p[key]).filter((v) => v !== null && v !== undefined);
    const max = Math.max(1, ...values);
    frame(svg, max, format);
    const slot = (W - PAD.left - PAD.right) / Math.max(1, points.length);
    let path = "";
    points.forEach(function (point, index) {
      const value = point[key];
      if (value === null || value === undefined) return;
      const x = PAD.left + index * slot + slot / 2;
      const y = PAD.top + (1 - value / max) * (H - PAD.top - PAD.bottom);
      path += (path ? " L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
      const dot = el("circle", { cx: x, cy: y, r: 3, class: "dot" }, svg);
      el("title", {}, dot).textContent = new Date(point.hour).toLocaleString() + ": " + format(value);
    });
    if (path) el("path", { d: path, class: "line" }, svg);
    hourLabel(points, svg, slot);
  }

  function throughputAndCycle(points) {
    bars(document.getElementById("throughput-chart"), points, [
      { key: "started", className: "started" },
      { key: "completed", className: "completed" },
    ]);
    line(document.getElementById("cycle-chart"), points, "mean_cycle_ms", window.BpmLive.formatMs);
  }

  window.BpmCharts = { bars, line, throughputAndCycle };
})();
