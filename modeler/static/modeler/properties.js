/*
 * The modeler's properties panel: edits what the engine executes without touching XML.
 *
 * Every change goes through bpmn-js's modeling commands (updateProperties and
 * updateModdleProperties), so it can be undone like a change on the canvas and marks the
 * diagram as changed. The fields written are exactly the ones engine/bpmn reads (see
 * docs/bpmn-support.md and docs/modeler.md); the server validates again on save and deploy.
 */
(function () {
  "use strict";

  // Handler fields by service task type (engine/handlers/*.py FIELDS). `lines` fields hold
  // one bpm:item per line (the command's argv, the HTTP headers); the others are single strings.
  const HANDLER_FIELDS = {
    cli: [
      { name: "argv", label: "Command line (one argument per line)", lines: true },
      { name: "timeout", label: "Timeout (ISO-8601, e.g. PT30S)" },
      { name: "cwd", label: "Working directory" },
      { name: "stdoutVariable", label: "Store standard output in variable" },
      { name: "stderrVariable", label: "Store standard error in variable" },
      { name: "exitCodeVariable", label: "Store exit code in variable" },
      { name: "parseJson", label: "Parse standard output as JSON (true/false)" },
      { name: "successCodes", label: "Exit codes that mean success (e.g. 0,2)" },
      { name: "errorCodes", label: "Exit codes thrown as BPMN errors (e.g. 3=NOT_FOUND)" },
    ],
    http: [
      { name: "url", label: "URL" },
      { name: "method", label: "Method (GET, POST...)" },
      { name: "headers", label: "Headers (one Name: value per line)", lines: true },
      { name: "body", label: "Request body", multiline: true },
      { name: "timeout", label: "Timeout (ISO-8601, e.g. PT30S)" },
      { name: "statusVariable", label: "Store status code in variable" },
      { name: "bodyVariable", label: "Store response body in variable" },
      { name: "successCodes", label: "Success status codes (e.g. 2xx)" },
      { name: "failOnStatus", label: "Fail on other status codes (true/false)" },
      { name: "errorCodes", label: "Status codes thrown as BPMN errors (e.g. 404=NOT_FOUND)" },
    ],
    python: [{ name: "function", label: "Function (dotted path, allowed by BPM_PYTHON_HANDLERS)" }],
    noop: [{ name: "result", label: "Result variables (JSON object)", multiline: true }],
  };
  const FORM_FIELD_TYPES = ["string", "long", "double", "boolean", "enum", "date"];
  const TIMER_KINDS = { timeDuration: "Duration (PT10M)", timeDate: "Date (2030-01-01T09:00:00Z)", timeCycle: "Cycle (R3/PT1H)" };
  const ID_PATTERN = /^[A-Za-z_][\w.-]*$/;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function is(bo, type) {
    return bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
  }

  function eventDefinition(bo, type) {
    return (bo.eventDefinitions || []).find((definition) => is(definition, type));
  }

  function extensionValues(bo, type) {
    const values = (bo.extensionElements && bo.extensionElements.values) || [];
    return values.filter((value) => value.$type === type);
  }

  window.BpmProperties = function BpmProperties(modeler, container) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const canvas = modeler.get("canvas");
    const eventBus = modeler.get("eventBus");
    let current = null;
    // Changes made here must not re-render the panel under the user's cursor; changes from
    // elsewhere (canvas, undo/redo) must.
    let committing = false;

    function commit(change) {
      committing = true;
      try {
        change();
      } finally {
        committing = false;
      }
    }
    const update = (element, properties) => commit(() => modeling.updateProperties(element, properties));
    const updateModdle = (element, target, properties) =>
      commit(() => modeling.updateModdleProperties(element, target, properties));

    function setExtensions(element, type, replacement) {
      const bo = element.businessObject;
      const kept = ((bo.extensionElements && bo.extensionElements.values) || []).filter((v) => v.$type !== type);
      const values = kept.concat(replacement);
      if (!values.length) {
        update(element, { extensionElements: undefined });
        return;
      }
      const extensionElements = moddle.create("bpmn:ExtensionElements", { values });
      values.forEach((value) => (value.$parent = extensionElements));
      update(element, { extensionElements });
    }

    // ---- controls -------------------------------------------------------------------------

    function field(label, prop, value, onChange, options) {
      options = options || {};
      const input = options.multiline
        ? el("textarea", { rows: options.rows || 3, "data-prop": prop, spellcheck: "false" })
        : el("input", { type: "text", "data-prop": prop, placeholder: options.placeholder });
      input.value = value || "";
      const hint = el("small", { class: "hint" });
      input.addEventListener("change", () => {
        const message = onChange(input.value);
        hint.textContent = typeof message === "string" ? message : "";
        input.classList.toggle("invalid", typeof message === "string");
      });
      return el("label", { class: "prop" }, el("span", { text: label }), input, hint);
    }

    function checkbox(label, prop, checked, onChange) {
      const input = el("input", { type: "checkbox", "data-prop": prop });
      input.checked = !!checked;
      input.addEventListener("change", () => onChange(input.checked));
      return el("label", { class: "prop check" }, input, el("span", { text: label }));
    }

    function select(label, prop, value, choices, onChange) {
      const input = el("select", { "data-prop": prop });
      for (const [choice, text] of choices) input.append(el("option", { value: choice, text }));
      input.value = value;
      input.addEventListener("change", () => onChange(input.value));
      return el("label", { class: "prop" }, el("span", { text: label }), input);
    }

    function group(title, ...children) {
      return el("fieldset", { class: "group" }, el("legend", { text: title }), ...children);
    }

    // ---- sections -------------------------------------------------------------------------

    function general(element) {
      const bo = element.businessObject;
      const rows = [
        field("Id", "id", bo.id, (value) => {
          value = value.trim();
          if (value === bo.id) return;
          if (!ID_PATTERN.test(value)) return "An id starts with a letter or _ and has no spaces.";
          if (moddle.ids && moddle.ids.assigned(value)) return `The id ${value} is already used.`;
          update(element, { id: value });
        }),
        field("Name", "name", bo.name, (value) => update(element, { name: value || undefined })),
      ];
      if (is(bo, "bpmn:Process")) {
        rows.push(
          checkbox("Executable (the engine runs it)", "isExecutable", bo.isExecutable, (checked) =>
            update(element, { isExecutable: checked })
          )
        );
      }
      if (is(bo, "bpmn:Activity") && !is(bo, "bpmn:SubProcess")) {
        rows.push(
          checkbox("Compensation handler (isForCompensation)", "isForCompensation", bo.isForCompensation, (checked) =>
            update(element, { isForCompensation: checked || undefined })
          )
        );
      }
      return group(bo.$type.replace("bpmn:", ""), ...rows);
    }

    function serviceTask(element) {
      const bo = element.businessObject;
      const type = bo.get("bpm:type") || "";
      const fields = extensionValues(bo, "bpm:Field");
      const known = HANDLER_FIELDS[type] || [];
      const choices = [["", "(choose a handler)"], ["cli", "cli: run a command"], ["http", "http: call a URL"],
        ["python", "python: call a function"], ["noop", "noop: set variables"]];
      if (type && !HANDLER_FIELDS[type]) choices.push([type, `${type} (plugin)`]);
      const rows = [
        select("Handler (bpm:type)", "bpm:type", type, choices, (value) => {
          update(element, { "bpm:type": value || undefined });
          render(element);
        }),
        field("Retries (e.g. R3/PT10S)", "bpm:retry", bo.get("bpm:retry"), (value) =>
          update(element, { "bpm:retry": value.trim() || undefined })
        ),
      ];
      for (const spec of known) {
        const existing = fields.find((f) => f.name === spec.name);
        let value = "";
        if (existing) value = existing.items && existing.items.length ? existing.items.map((i) => i.text || "").join("\n") : existing.value || existing.text || "";
        rows.push(
          field(spec.label, `field:${spec.name}`, value, (text) => setField(element, spec, text), {
            multiline: spec.lines || spec.multiline,
          })
        );
      }
      const others = fields.filter((f) => !known.some((spec) => spec.name === f.name));
      if (others.length) rows.push(el("p", { class: "hint", text: `Other fields kept as written: ${others.map((f) => f.name).join(", ")}` }));
      return group("Service task", ...rows);
    }

    function setField(element, spec, text) {
      const fields = extensionValues(element.businessObject, "bpm:Field").filter((f) => f.name !== spec.name);
      if (text.trim()) {
        let created;
        if (spec.lines) {
          const items = text.replace(/\n+$/, "").split("\n").map((line) => moddle.create("bpm:Item", { text: line }));
          created = moddle.create("bpm:Field", { name: spec.name, items });
          items.forEach((item) => (item.$parent = created));
        } else {
          created = moddle.create("bpm:Field", { name: spec.name, value: text });
        }
        fields.push(created);
      }
      setExtensions(element, "bpm:Field", fields);
    }

    function scriptTask(element) {
      const bo = element.businessObject;
      return group(
        "Script",
        el("p", { class: "hint", text: "Lines of name = expression, in the engine's expression language." }),
        field("Script", "script", bo.script, (value) => update(element, { script: value, scriptFormat: "expression" }), {
          multiline: true,
          rows: 6,
        })
      );
    }

    function userTask(element) {
      const bo = element.businessObject;
      // A Camunda Modeler model keeps its camunda: value, which the engine reads too: show it.
      const camunda = (name) => (bo.$attrs || {})[`camunda:${name}`];
      const attribute = (name, label) =>
        field(label, `bpm:${name}`, bo.get(`bpm:${name}`), (value) => update(element, { [`bpm:${name}`]: value.trim() || undefined }), {
          placeholder: camunda(name) ? `camunda:${name} = ${camunda(name)}` : undefined,
        });
      const formFields = extensionValues(bo, "bpm:FormField");
      const list = el("div", { class: "form-fields" });
      formFields.forEach((formField, index) => list.append(formFieldEditor(element, formFields, index)));
      const add = el("button", { type: "button", class: "small", "data-action": "add-form-field", text: "Add form field" });
      add.addEventListener("click", () => {
        const now = extensionValues(bo, "bpm:FormField");
        let n = now.length + 1;
        while (now.some((f) => f.id === `field${n}`)) n += 1;
        const created = moddle.create("bpm:FormField", { id: `field${n}`, label: `Field ${n}`, type: "string" });
        setExtensions(element, "bpm:FormField", now.concat([created]));
        render(element);
      });
      return group(
        "User task",
        attribute("assignee", "Assignee"),
        attribute("candidateGroups", "Candidate groups (comma separated)"),
        attribute("candidateUsers", "Candidate users (comma separated)"),
        attribute("dueDate", "Due (ISO-8601, e.g. P2D)"),
        attribute("formKey", "Form key"),
        el("h4", { text: "Form fields" }),
        list,
        add
      );
    }

    function formFieldEditor(element, formFields, index) {
      const formField = formFields[index];
      const save = (changes) => {
        // Read the fields again: an earlier change in this panel replaced the objects.
        const replacement = extensionValues(element.businessObject, "bpm:FormField").map((f, i) => {
          if (i !== index) return f;
          const copy = moddle.create("bpm:FormField", {
            id: f.id, label: f.label, type: f.type, required: f.required, defaultValue: f.defaultValue,
          });
          Object.assign(copy, changes);
          const values = changes.values !== undefined ? changes.values : f.values || [];
          const constraints = changes.constraints !== undefined ? changes.constraints : f.constraints || [];
          copy.values = values.map((v) => Object.assign(moddle.create("bpm:Value", { id: v.id, name: v.name }), { $parent: copy }));
          copy.constraints = constraints.map((c) =>
            Object.assign(moddle.create("bpm:Constraint", { name: c.name, config: c.config }), { $parent: copy })
          );
          return copy;
        });
        setExtensions(element, "bpm:FormField", replacement);
      };
      const pairs = (text, separator) =>
        text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
          const at = line.indexOf(separator);
          return at < 0 ? [line, ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
        });
      const remove = el("button", { type: "button", class: "small danger", text: "Remove" });
      remove.addEventListener("click", () => {
        const now = extensionValues(element.businessObject, "bpm:FormField");
        setExtensions(element, "bpm:FormField", now.filter((_, i) => i !== index));
        render(element);
      });
      return el(
        "div",
        { class: "form-field", "data-form-field": formField.id },
        field("Field id (variable name)", "formField:id", formField.id, (value) => save({ id: value.trim() })),
        field("Label", "formField:label", formField.label, (value) => save({ label: value || undefined })),
        select("Type", "formField:type", formField.type || "string", FORM_FIELD_TYPES.map((t) => [t, t]), (value) =>
          save({ type: value })
        ),
        checkbox("Required", "formField:required", formField.required === "true", (checked) =>
          save({ required: checked ? "true" : undefined })
        ),
        field("Default value", "formField:defaultValue", formField.defaultValue, (value) => save({ defaultValue: value || undefined })),
        field(
          "Choices of an enum (one id=Label per line)",
          "formField:values",
          (formField.values || []).map((v) => `${v.id}=${v.name || v.id}`).join("\n"),
          (text) => save({ values: pairs(text, "=").map(([id, name]) => ({ id, name: name || id })) }),
          { multiline: true }
        ),
        field(
          "Constraints (one name=config per line: min, max, minlength, maxlength, pattern)",
          "formField:constraints",
          (formField.constraints || []).map((c) => `${c.name}=${c.config || ""}`).join("\n"),
          (text) => save({ constraints: pairs(text, "=").map(([name, config]) => ({ name, config })) }),
          { multiline: true }
        ),
        remove
      );
    }

    function sequenceFlow(element) {
      const bo = element.businessObject;
      const source = element.source;
      const sourceBo = source && source.businessObject;
      const rows = [
        field(
          "Condition (expression, e.g. amount > 1000)",
          "condition",
          bo.conditionExpression ? bo.conditionExpression.body : "",
          (value) => {
            const expression = value.trim() ? moddle.create("bpmn:FormalExpression", { body: value.trim() }) : undefined;
            update(element, { conditionExpression: expression });
          },
          { multiline: true, rows: 2 }
        ),
      ];
      if (sourceBo && (is(sourceBo, "bpmn:ExclusiveGateway") || is(sourceBo, "bpmn:InclusiveGateway") || is(sourceBo, "bpmn:Activity"))) {
        rows.push(
          checkbox("Default flow (taken when no condition holds)", "default", sourceBo.default === bo, (checked) => {
            update(source, { default: checked ? bo : undefined });
          })
        );
      }
      return group("Sequence flow", ...rows);
    }

    function ensureRoot(element, type, matches, attributes) {
      const definitions = modeler.getDefinitions();
      let found = (definitions.rootElements || []).find((root) => is(root, type) && matches(root));
      if (!found) {
        found = moddle.create(type, attributes);
        found.$parent = definitions;
        updateModdle(element, definitions, { rootElements: (definitions.rootElements || []).concat([found]) });
      }
      return found;
    }

    function uniqueId(prefix, text) {
      const base = `${prefix}_${text.replace(/[^\w.-]+/g, "_")}`;
      let id = base;
      const definitions = modeler.getDefinitions();
      for (let n = 2; (definitions.rootElements || []).some((root) => root.id === id); n += 1) id = `${base}_${n}`;
      return id;
    }

    function events(element) {
      const bo = element.businessObject;
      const sections = [];
      const timer = eventDefinition(bo, "bpmn:TimerEventDefinition");
      if (timer) {
        const kind = Object.keys(TIMER_KINDS).find((k) => timer[k]) || "timeDuration";
        const setTimer = (newKind, text) => {
          const changes = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
          if (text.trim()) changes[newKind] = moddle.create("bpmn:FormalExpression", { body: text.trim() });
          updateModdle(element, timer, changes);
        };
        const valueField = field("When (ISO-8601)", "timer", timer[kind] ? timer[kind].body : "", (text) =>
          setTimer(panelTimerKind(), text)
        );
        const kindSelect = select("Timer", "timerKind", kind, Object.entries(TIMER_KINDS), (newKind) =>
          setTimer(newKind, valueField.querySelector("input").value)
        );
        const panelTimerKind = () => kindSelect.querySelector("select").value;
        sections.push(group("Timer", kindSelect, valueField));
      }
      const message =
        eventDefinition(bo, "bpmn:MessageEventDefinition") || (is(bo, "bpmn:ReceiveTask") || is(bo, "bpmn:SendTask") ? bo : null);
      const sends = is(bo, "bpmn:SendTask") || is(bo, "bpmn:EndEvent") || is(bo, "bpmn:IntermediateThrowEvent");
      if (message) {
        const rows = [
          field("Message name", "message", message.messageRef ? message.messageRef.name || message.messageRef.id : "", (name) => {
            name = name.trim();
            if (!name) return updateTarget(element, message, { messageRef: undefined });
            const found = ensureRoot(element, "bpmn:Message", (m) => (m.name || m.id) === name, { id: uniqueId("Message", name), name });
            updateTarget(element, message, { messageRef: found });
          }),
        ];
        rows.push(
          field("Correlation key (expression, e.g. orderId)", "bpm:correlationKey", bo.get("bpm:correlationKey"), (value) =>
            update(element, { "bpm:correlationKey": value.trim() || undefined })
          )
        );
        if (sends) {
          rows.push(
            field("Payload (variable names, comma separated)", "bpm:payload", bo.get("bpm:payload"), (value) =>
              update(element, { "bpm:payload": value.trim() || undefined })
            )
          );
        }
        sections.push(group("Message", ...rows));
      }
      const signal = eventDefinition(bo, "bpmn:SignalEventDefinition");
      if (signal) {
        sections.push(
          group(
            "Signal",
            field("Signal name", "signal", signal.signalRef ? signal.signalRef.name || signal.signalRef.id : "", (name) => {
              name = name.trim();
              if (!name) return updateModdle(element, signal, { signalRef: undefined });
              const found = ensureRoot(element, "bpmn:Signal", (s) => (s.name || s.id) === name, { id: uniqueId("Signal", name), name });
              updateModdle(element, signal, { signalRef: found });
            })
          )
        );
      }
      const error = eventDefinition(bo, "bpmn:ErrorEventDefinition");
      if (error) {
        const hint = is(bo, "bpmn:BoundaryEvent") ? "Error code caught (empty: every error)" : "Error code thrown";
        sections.push(
          group(
            "Error",
            field(hint, "errorCode", error.errorRef ? error.errorRef.errorCode || error.errorRef.id : "", (code) => {
              code = code.trim();
              if (!code) return updateModdle(element, error, { errorRef: undefined });
              const found = ensureRoot(element, "bpmn:Error", (e) => e.errorCode === code, { id: uniqueId("Error", code), name: code, errorCode: code });
              updateModdle(element, error, { errorRef: found });
            })
          )
        );
      }
      if (error && (is(bo, "bpmn:BoundaryEvent") || is(bo, "bpmn:StartEvent"))) {
        const variable = (name, label) =>
          field(label, `bpm:${name}`, bo.get(`bpm:${name}`), (value) => update(element, { [`bpm:${name}`]: value.trim() || undefined }));
        sections[sections.length - 1].append(
          variable("errorCodeVariable", "Store the error code in variable"),
          variable("errorMessageVariable", "Store the error message in variable")
        );
      }
      const compensate = eventDefinition(bo, "bpmn:CompensateEventDefinition");
      if (compensate && !is(bo, "bpmn:BoundaryEvent")) {
        sections.push(
          group(
            "Compensation",
            field("Compensate only activity (id; empty: every completed one)", "activityRef",
              compensate.activityRef ? compensate.activityRef.id : "", (id) => {
                id = id.trim();
                const target = id && modeler.get("elementRegistry").get(id);
                if (id && !target) return `There is no element ${id}.`;
                updateModdle(element, compensate, { activityRef: target ? target.businessObject : undefined });
              }),
            checkbox("Wait until the handlers finished", "waitForCompletion", compensate.waitForCompletion !== false, (checked) =>
              updateModdle(element, compensate, { waitForCompletion: checked })
            )
          )
        );
      }
      if (is(bo, "bpmn:BoundaryEvent") && !error && !compensate) {
        sections.push(
          group(
            "Boundary event",
            checkbox("Interrupting (cancels the activity)", "cancelActivity", bo.cancelActivity !== false, (checked) =>
              update(element, { cancelActivity: checked })
            )
          )
        );
      }
      return sections;
    }

    function updateTarget(element, target, properties) {
      if (target === element.businessObject) update(element, properties);
      else updateModdle(element, target, properties);
    }

    // ---- rendering ------------------------------------------------------------------------

    function render(element) {
      current = element || canvas.getRootElement();
      const bo = current.businessObject;
      container.replaceChildren();
      if (!bo) return;
      const sections = [general(current)];
      if (is(bo, "bpmn:ServiceTask")) sections.push(serviceTask(current));
      if (is(bo, "bpmn:ScriptTask")) sections.push(scriptTask(current));
      if (is(bo, "bpmn:UserTask")) sections.push(userTask(current));
      if (is(bo, "bpmn:SequenceFlow")) sections.push(sequenceFlow(current));
      if (is(bo, "bpmn:Event") || is(bo, "bpmn:ReceiveTask")) sections.push(...events(current));
      container.append(...sections);
    }

    eventBus.on("selection.changed", (event) => {
      const selected = event.newSelection;
      render(selected.length === 1 ? selected[0] : null);
    });
    eventBus.on("commandStack.changed", () => {
      if (committing) return;
      const stillThere = current && modeler.get("elementRegistry").get(current.id);
      render(stillThere ? current : null);
    });
    eventBus.on("import.done", () => render(null));

    return { render, current: () => current };
  };
})();
