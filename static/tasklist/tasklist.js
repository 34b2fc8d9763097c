// The tasklist's browser side: check forms before they are sent, and keep pages current.
//
// Form checks use the constraint attributes the server wrote from the same field definitions
// it validates with (engine/forms); the messages use the server's wording. The server checks
// everything again: this only saves a round trip.
//
// Live updates: the inbox asks /tasks/inbox.json every few seconds (data-poll-ms) and swaps
// its rows when they changed; a task page asks whether its task is still open and whose it is.
// Claims are not engine events, so polling is what catches "someone else took it"; users with
// a monitoring role also get the event socket, which makes the inbox ask at once.
"use strict";

(function () {
  function fieldMessage(input) {
    var v = input.validity;
    if (v.valueMissing) return "is required";
    if (v.badInput || v.typeMismatch) {
      return input.type === "number" ? "must be a number" : input.type === "date" ? "must be a date such as 2025-12-31" : "is not valid";
    }
    if (v.stepMismatch) return "must be a whole number";
    if (v.rangeUnderflow) return (input.type === "date" ? "must be on or after " : "must be at least ") + input.min;
    if (v.rangeOverflow) return (input.type === "date" ? "must be on or before " : "must be at most ") + input.max;
    if (v.tooShort) return "must be at least " + input.minLength + " characters long";
    if (v.tooLong) return "must be at most " + input.maxLength + " characters long";
    if (v.patternMismatch) return "must match the pattern " + input.pattern;
    return input.validationMessage || "";
  }

  function showError(input) {
    var field = input.closest(".field");
    if (!field) return true;
    var slot = field.querySelector(".field-error");
    var label = field.querySelector("label");
    var message = input.checkValidity() ? "" : fieldMessage(input);
    var labelText = label ? label.textContent.replace("*", "").trim() : input.name;
    slot.textContent = message ? labelText + " " + message : "";
    field.classList.toggle("invalid", Boolean(message));
    return !message;
  }

  function setUpForm(form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[name], select[name]")).filter(function (input) {
      return input.type !== "hidden" && input.type !== "checkbox";
    });
    inputs.forEach(function (input) {
      input.addEventListener("input", function () { showError(input); });
      input.addEventListener("change", function () { showError(input); });
    });
    form.addEventListener("submit", function (event) {
      var firstBad = null;
      inputs.forEach(function (input) {
        if (!showError(input) && !firstBad) firstBad = input;
      });
      if (firstBad) {
        event.preventDefault();
        firstBad.focus();
      }
    });
  }

  // Calls onData with each answer (null once the server says 404) until onData returns false.
  // Returns a function that asks right away instead of at the next tick.
  function poll(url, everyMs, onData) {
    var timer = null;
    var busy = false;
    var stopped = false;
    function tick() {
      if (busy || stopped) return;
      busy = true;
      window.clearTimeout(timer);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 404) return null;
          return response.ok ? response.json() : undefined;
        })
        .then(function (data) { return data === undefined ? true : onData(data); })
        .catch(function () { return true; /* offline for a moment: try again on the next tick */ })
        .then(function (again) {
          busy = false;
          stopped = again === false;
          if (!stopped) timer = window.setTimeout(tick, everyMs);
        });
    }
    timer = window.setTimeout(tick, everyMs);
    return tick;
  }

  // Users with a monitoring role also get the live event stream (docs/monitoring.md, topic
  // "usertasks"): a user task opened or closed somewhere makes the inbox ask at once. Claims
  // are not engine events and other users have no socket, so polling stays the baseline.
  function listenForTaskEvents(askNow) {
    if (!window.WebSocket) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + "/ws/live/");
    } catch (error) {
      return;
    }
    socket.onopen = function () { socket.send(JSON.stringify({ subscribe: "usertasks" })); };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "events") askNow();
    };
  }

  function setUpInbox(table) {
    var notice = document.getElementById("inbox-notice");
    var every = parseInt(table.dataset.pollMs, 10) || 3000;
    var askNow = poll(table.dataset.pollUrl, every, function (data) {
      if (!data || data.signature === table.dataset.signature) return true;
      var before = table.dataset.signature ? table.dataset.signature.split(",").length : 0;
      table.dataset.signature = data.signature;
      // Server-rendered rows (Django escapes them), so the page shows exactly what a reload would.
      table.tBodies[0].innerHTML = data.rows_html;
      notice.textContent = "Updated " + new Date().toLocaleTimeString() + ": " + data.count + " task" +
        (data.count === 1 ? "" : "s") + (data.count > before ? " (new tasks arrived)" : "");
      return true;
    });
    if (table.dataset.liveEvents === "true") listenForTaskEvents(askNow);
  }

  function setUpTaskPage(facts) {
    var notice = document.getElementById("task-notice");
    var every = parseInt(facts.dataset.pollMs, 10) || 3000;
    poll(facts.dataset.stateUrl, every, function (data) {
      var form = document.getElementById("task-form");
      var gone = data === null || data.status !== "open";
      var changedHands = data && data.assignee !== facts.dataset.assignee;
      if (!gone && !changedHands) return true;
      notice.textContent = gone
        ? "This task is no longer open (completed, cancelled, or taken by someone else)."
        : data.assignee
          ? "This task was just claimed by " + data.assignee + ". Reload the page to see what you can do."
          : "This task was given back to its group. Reload the page to claim it.";
      if (form) form.querySelector("fieldset").disabled = true;
      facts.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
      facts.dataset.assignee = data ? data.assignee : "";
      return !gone; // a task that is gone stays gone: stop asking
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("task-form");
    if (form) setUpForm(form);
    var table = document.getElementById("inbox");
    if (table) setUpInbox(table);
    var facts = document.getElementById("task-facts");
    if (facts && facts.dataset.status === "open") setUpTaskPage(facts);
  });
})();
