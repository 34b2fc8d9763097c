"""What the engine runs, what it ignores, and what it refuses, by BPMN element name.

An element the engine cannot run yet is a deploy-time problem naming it, never a silent
pass-through: a model that deploys behaves the way its diagram says. Purely descriptive
elements (documentation, lanes, data objects, diagram information...) change nothing at run
time and are skipped.
"""

from __future__ import annotations

from types import MappingProxyType

from engine.bpmn.graph import NodeKind

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

#: Flow elements the engine runs, by BPMN local name (event definitions checked separately).
#: Listed one by one so that a new NodeKind is not accepted before the parser reads it fully.
SUPPORTED_NODES = MappingProxyType(
    {
        kind.value: kind
        for kind in (
            NodeKind.START_EVENT,
            NodeKind.END_EVENT,
            NodeKind.INTERMEDIATE_THROW_EVENT,
            NodeKind.TASK,
            NodeKind.MANUAL_TASK,
            NodeKind.SCRIPT_TASK,
            NodeKind.SERVICE_TASK,
            NodeKind.USER_TASK,
            NodeKind.EXCLUSIVE_GATEWAY,
            NodeKind.PARALLEL_GATEWAY,
            NodeKind.INCLUSIVE_GATEWAY,
            NodeKind.SUB_PROCESS,
            NodeKind.TRANSACTION,
            NodeKind.BOUNDARY_EVENT,
            NodeKind.INTERMEDIATE_CATCH_EVENT,
            NodeKind.RECEIVE_TASK,
            NodeKind.SEND_TASK,
            NodeKind.EVENT_BASED_GATEWAY,
        )
    }
)

ACTIVITIES = frozenset(
    {
        NodeKind.TASK,
        NodeKind.MANUAL_TASK,
        NodeKind.SCRIPT_TASK,
        NodeKind.SERVICE_TASK,
        NodeKind.USER_TASK,
        NodeKind.SUB_PROCESS,
        NodeKind.TRANSACTION,
        NodeKind.RECEIVE_TASK,
        NodeKind.SEND_TASK,
    }
)

#: Flow elements the engine cannot run yet, with the reason shown to the modeller.
REFUSED_NODES = MappingProxyType(
    {
        "businessRuleTask": "business rule tasks are not supported yet",
        "callActivity": "call activities are not supported yet",
        "complexGateway": "complex gateways are not supported",
        "adHocSubProcess": "ad-hoc subprocesses are not supported",
        "callChoreography": "choreographies are not executable",
        "choreographyTask": "choreographies are not executable",
        "subChoreography": "choreographies are not executable",
    }
)

#: Refused elements that contain flow elements of their own; their content is still checked
#: so that one deployment attempt lists everything that needs changing.
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})

#: Children of a process or subprocess that describe the model but do not affect execution.
DESCRIPTIVE_IN_SCOPE = frozenset(
    {
        # A subprocess's own references to its sequence flows, which are read from the flows.
        "incoming",
        "outgoing",
        "documentation",
        "extensionElements",
        "auditing",
        "monitoring",
        "ioSpecification",
        "ioBinding",
        "property",
        "laneSet",
        "textAnnotation",
        "association",
        "group",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "dataInputAssociation",
        "dataOutputAssociation",
        "resourceRole",
        "performer",
        "humanPerformer",
        "potentialOwner",
        "correlationSubscription",
        "supports",
        "categoryValueRef",
    }
)

#: Children of an activity that change how it runs and that the engine does not support.
REFUSED_ACTIVITY_CHILDREN = MappingProxyType(
    {
        "standardLoopCharacteristics": "loop characteristics are not supported yet",
        "multiInstanceLoopCharacteristics": "multi-instance characteristics are not supported yet",
    }
)

TERMINATE_EVENT_DEFINITION = "terminateEventDefinition"
ERROR_EVENT_DEFINITION = "errorEventDefinition"
TIMER_EVENT_DEFINITION = "timerEventDefinition"
MESSAGE_EVENT_DEFINITION = "messageEventDefinition"
SIGNAL_EVENT_DEFINITION = "signalEventDefinition"
ESCALATION_EVENT_DEFINITION = "escalationEventDefinition"
COMPENSATE_EVENT_DEFINITION = "compensateEventDefinition"
CANCEL_EVENT_DEFINITION = "cancelEventDefinition"
