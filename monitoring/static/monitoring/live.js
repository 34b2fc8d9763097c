/* The live layer's browser side: one WebSocket to /ws/live/, reconnecting, deduplicating.
 *
 *   BpmLive.connect({
 *     subscriptions: () => [{subscribe: "instance", id: 7, after: lastSeq}, ...],
 *     onEvents: (events) => { ... },   // each event once (sort by seq if order matters)
 *     onReconnect: () => { ... },      // optional: refetch the page's snapshot (called once the
 *                                      // first subscription is confirmed after every (re)connect)
 *   });
 *
 * subscriptions() is called on every (re)connect, so an instance page passes the last seq it
 * has and the server sends what it missed. Close code 4403 (no monitoring role) stops retrying.
 */
(function () {
  "use strict";

  function setStatus(state, text) {
    const badge = document.getElementById("live-status");
    if (badge) {
      badge.dataset.state = state;
      badge.textContent = text;
    }
  }

  function connect(options) {
    let refreshPending = false;
    const delivered = new Set(); // "instance:seq" of every event handed to the page
    let delay = 500;

    // An event can arrive twice (in a catch-up and live); the page sees it once.
    function fresh(events) {
      return events.filter(function (event) {
        const key = event.instance + ":" + event.seq;
        if (delivered.has(key)) return false;
        delivered.add(key);
        return true;
      });
    }

    function open() {
      const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      const socket = new WebSocket(scheme + window.location.host + "/ws/live/");
      socket.addEventListener("open", function () {
        delay = 500;
        setStatus("live", "live");
        refreshPending = true;
        for (const subscription of options.subscriptions()) socket.send(JSON.stringify(subscription));
      });
      socket.addEventListener("message", function (message) {
        const data = JSON.parse(message.data);
        if (data.type === "subscribed" && refreshPending) {
          // Subscribed: whatever happened before is in a snapshot fetched now, the rest is pushed.
          refreshPending = false;
          if (options.onReconnect) options.onReconnect();
        } else if (data.type === "events") {
          const events = fresh(data.events);
          if (events.length) options.onEvents(events);
        } else if (data.type === "error") {
          console.warn("live updates:", data.error);
        }
      });
      socket.addEventListener("close", function (event) {
        if (event.code === 4403) {
          setStatus("off", "live updates not allowed");
          return;
        }
        setStatus("reconnecting", "reconnecting…");
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      });
    }

    open();
  }

  /* Run `work` at most once per `wait` ms, and once more after the last call. */
  function throttle(work, wait) {
    let timer = null;
    let again = false;
    return function () {
      if (timer) {
        again = true;
        return;
      }
      work();
      timer = setTimeout(function () {
        timer = null;
        if (again) {
          again = false;
          work();
        }
      }, wait);
    };
  }

  function json(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  async function fetchJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function formatMs(ms) {
    if (ms === null || ms === undefined || ms === "") return "—";
    ms = Number(ms);
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    if (ms < 3600000) return (ms / 60000).toFixed(1) + " min";
    if (ms < 86400000) return (ms / 3600000).toFixed(1) + " h";
    return (ms / 86400000).toFixed(1) + " d";
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text instanceof Node) td.appendChild(text);
    else td.textContent = text === null || text === undefined ? "—" : String(text);
    row.appendChild(td);
    return td;
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  /* Forms with data-confirm ask before they post (operator actions). */
  document.addEventListener("submit", function (event) {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  window.BpmLive = { connect, throttle, json, fetchJson, formatMs, cell, link };
})();
