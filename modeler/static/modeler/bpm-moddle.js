/*
 * The engine's BPMN extension namespace (urn:bpmportal:bpm:1.0) described for bpmn-js, so the
 * modeler reads, edits and writes bpm: attributes and elements as typed properties instead of
 * opaque XML. It mirrors engine/bpmn/extensions.py (see docs/bpmn-support.md).
 */
window.BPM_MODDLE = {
  name: "bpmportal",
  prefix: "bpm",
  uri: "urn:bpmportal:bpm:1.0",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    {
      name: "ServiceTaskSettings",
      isAbstract: true,
      // Message senders may also name a handler that sends (docs/bpmn-support.md, Messages).
      extends: ["bpmn:ServiceTask", "bpmn:SendTask", "bpmn:IntermediateThrowEvent", "bpmn:EndEvent"],
      properties: [
        { name: "type", isAttr: true, type: "String" },
        { name: "retry", isAttr: true, type: "String" },
      ],
    },
    {
      name: "UserTaskSettings",
      isAbstract: true,
      extends: ["bpmn:UserTask"],
      properties: [
        { name: "assignee", isAttr: true, type: "String" },
        { name: "candidateGroups", isAttr: true, type: "String" },
        { name: "candidateUsers", isAttr: true, type: "String" },
        { name: "dueDate", isAttr: true, type: "String" },
        { name: "formKey", isAttr: true, type: "String" },
      ],
    },
    {
      name: "Correlation",
      isAbstract: true,
      extends: [
        "bpmn:IntermediateCatchEvent", "bpmn:BoundaryEvent", "bpmn:ReceiveTask", "bpmn:StartEvent",
        "bpmn:SendTask", "bpmn:IntermediateThrowEvent", "bpmn:EndEvent",
      ],
      properties: [{ name: "correlationKey", isAttr: true, type: "String" }],
    },
    {
      name: "MessagePayload",
      isAbstract: true,
      extends: ["bpmn:SendTask", "bpmn:IntermediateThrowEvent", "bpmn:EndEvent"],
      properties: [{ name: "payload", isAttr: true, type: "String" }],
    },
    {
      name: "CaughtErrorVariables",
      isAbstract: true,
      extends: ["bpmn:BoundaryEvent", "bpmn:StartEvent"],
      properties: [
        { name: "errorCodeVariable", isAttr: true, type: "String" },
        { name: "errorMessageVariable", isAttr: true, type: "String" },
      ],
    },
    {
      name: "Field",
      superClass: ["Element"],
      properties: [
        { name: "name", isAttr: true, type: "String" },
        { name: "value", isAttr: true, type: "String" },
        { name: "text", isBody: true, type: "String" },
        { name: "items", isMany: true, type: "Item" },
      ],
    },
    {
      name: "Item",
      superClass: ["Element"],
      properties: [{ name: "text", isBody: true, type: "String" }],
    },
    {
      name: "FormField",
      superClass: ["Element"],
      properties: [
        { name: "id", isAttr: true, type: "String" },
        { name: "label", isAttr: true, type: "String" },
        { name: "type", isAttr: true, type: "String" },
        { name: "required", isAttr: true, type: "String" },
        { name: "defaultValue", isAttr: true, type: "String" },
        { name: "values", isMany: true, type: "Value" },
        { name: "constraints", isMany: true, type: "Constraint" },
      ],
    },
    {
      name: "Value",
      superClass: ["Element"],
      properties: [
        { name: "id", isAttr: true, type: "String" },
        { name: "name", isAttr: true, type: "String" },
      ],
    },
    {
      name: "Constraint",
      superClass: ["Element"],
      properties: [
        { name: "name", isAttr: true, type: "String" },
        { name: "config", isAttr: true, type: "String" },
      ],
    },
  ],
};
