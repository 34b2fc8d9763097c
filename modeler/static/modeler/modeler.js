/*
 * The modeler page: bpmn-js with our properties panel, save / deploy to the server, import and
 * export, problem markers, and a warning before leaving with unsaved changes.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("modeler-config").textContent);
  const initialXml = JSON.parse(document.getElementById("diagram-xml").textContent);
  const csrfToken = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const statusLine = document.getElementById("status");
  const problemList = document.getElementById("problems");

  const modeler = new window.BpmnJS({
    container: "#canvas",
    moddleExtensions: { bpm: window.BPM_MODDLE },
  });
  const properties = window.BpmProperties(modeler, document.getElementById("properties"));
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const elementRegistry = modeler.get("elementRegistry");

  let draftId = config.draft;
  let unsaved = false;
  let marked = [];

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.dataset.kind = kind || "";
  }

  function setUnsaved(value) {
    unsaved = value;
    document.body.classList.toggle("modeler-unsaved", value);
  }

  modeler.get("eventBus").on("commandStack.changed", () => {
    setUnsaved(true);
    setStatus("Unsaved changes", "warning");
  });

  window.addEventListener("beforeunload", (event) => {
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = "";
  });

  async function open(xml, description, changed) {
    try {
      const result = await modeler.importXML(xml);
      canvas.zoom("fit-viewport", "auto");
      if (canvas.zoom() > 1) canvas.zoom(1, "auto");
      clearProblems();
      const warnings = result.warnings || [];
      setUnsaved(changed);
      setStatus(`${description}${warnings.length ? ` (${warnings.length} import warnings)` : ""}`);
      return true;
    } catch (error) {
      setStatus(`Cannot open the diagram: ${error.message}`, "error");
      return false;
    }
  }

  // ---- problems -----------------------------------------------------------------------------

  function clearProblems() {
    overlays.remove({ type: "bpm-problem" });
    for (const id of marked) if (elementRegistry.get(id)) canvas.removeMarker(id, "bpm-problem");
    marked = [];
    problemList.replaceChildren();
    problemList.hidden = true;
  }

  function showProblems(problems) {
    clearProblems();
    const byElement = new Map();
    for (const problem of problems) {
      const item = document.createElement("li");
      item.textContent = problem.text;
      if (problem.element_id && elementRegistry.get(problem.element_id)) {
        item.dataset.elementId = problem.element_id;
        item.addEventListener("click", () => {
          const element = elementRegistry.get(problem.element_id);
          if (!element) return;
          canvas.scrollToElement(element);
          modeler.get("selection").select(element);
        });
        if (!byElement.has(problem.element_id)) byElement.set(problem.element_id, []);
        byElement.get(problem.element_id).push(problem);
      }
      problemList.append(item);
    }
    for (const [id, found] of byElement) {
      canvas.addMarker(id, "bpm-problem");
      marked.push(id);
      const note = document.createElement("div");
      note.className = "bpm-problem-note";
      note.dataset.elementId = id;
      for (const problem of found) {
        const line = document.createElement("div");
        line.textContent = (problem.line ? `line ${problem.line}: ` : "") + problem.message;
        note.append(line);
      }
      // Below a shape, above a flow: notes of a task and of the flow into it stay apart.
      const isFlow = !!elementRegistry.get(id).waypoints;
      if (isFlow) note.classList.add("above");
      overlays.add(id, "bpm-problem", { position: isFlow ? { top: -4, left: 0 } : { bottom: -4, left: 0 }, html: note });
    }
    problemList.hidden = problems.length === 0;
  }

  // ---- save and deploy ----------------------------------------------------------------------

  async function send(url) {
    const { xml } = await modeler.saveXML({ format: true });
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ draft: draftId, xml }),
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      answer = { error: `the server answered ${response.status} ${response.statusText}` };
    }
    if (answer.draft) {
      draftId = answer.draft;
      if (answer.url && window.location.pathname !== answer.url) window.history.replaceState(null, "", answer.url);
    }
    return { response, answer };
  }

  async function save() {
    setStatus("Saving...");
    const { response, answer } = await send(config.saveUrl);
    if (!response.ok) {
      setStatus(`Not saved: ${answer.error || response.status}`, "error");
      return;
    }
    setUnsaved(false);
    showProblems(answer.problems);
    const count = answer.problems.length;
    setStatus(
      count ? `Draft saved; ${count} problem${count > 1 ? "s" : ""} to fix before it can deploy` : "Draft saved; ready to deploy",
      count ? "warning" : "ok"
    );
  }

  async function deploy() {
    setStatus("Deploying...");
    const { response, answer } = await send(config.deployUrl);
    if (answer.draft) setUnsaved(false);
    if (!response.ok) {
      if (answer.problems) {
        showProblems(answer.problems);
        const count = answer.problems.length;
        setStatus(`Deploy refused: ${count} problem${count > 1 ? "s" : ""} (the draft is saved)`, "error");
      } else {
        setStatus(`Not deployed: ${answer.error || response.status}`, "error");
      }
      return;
    }
    clearProblems();
    const { key, version } = answer.definition;
    setStatus(`Deployed ${key} version ${version}`, "ok");
  }

  // ---- import and export --------------------------------------------------------------------

  function download(name, type, text) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type }));
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function fileName(extension) {
    const root = canvas.getRootElement().businessObject;
    return `${(root && root.id) || "diagram"}.${extension}`;
  }

  document.getElementById("export-bpmn").addEventListener("click", async () => {
    const { xml } = await modeler.saveXML({ format: true });
    download(fileName("bpmn"), "application/xml", xml);
  });
  document.getElementById("export-svg").addEventListener("click", async () => {
    const { svg } = await modeler.saveSVG();
    download(fileName("svg"), "image/svg+xml", svg);
  });
  document.getElementById("import-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    await open(await file.text(), `Imported ${file.name}; not saved yet`, true);
  });

  const saveButton = document.getElementById("save");
  const deployButton = document.getElementById("deploy");
  function guarded(action) {
    return async () => {
      saveButton.disabled = deployButton.disabled = true;
      try {
        await action();
      } catch (error) {
        setStatus(`Failed: ${error.message}`, "error");
      } finally {
        saveButton.disabled = deployButton.disabled = false;
      }
    };
  }
  if (saveButton) {
    saveButton.addEventListener("click", guarded(save));
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault(); // the browser's "save page" would only save the HTML
        if (!saveButton.disabled) saveButton.click();
      }
    });
  }
  if (deployButton) deployButton.addEventListener("click", guarded(deploy));

  // Tests and power users reach the modeler from the console.
  window.bpmModeler = { modeler, properties, isUnsaved: () => unsaved };

  open(initialXml, draftId ? "Draft loaded" : "Opened; saving makes it a new draft", false);
})();
