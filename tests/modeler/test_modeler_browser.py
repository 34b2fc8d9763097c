"""The modeler in a real browser: model, configure, save, deploy, run; markers; import/export."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from engine.bpmn import parse_bpmn
from engine.services.local_run import run_local
from engine.store.models import ProcessDefinition
from modeler.models import Draft

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def shape(page: Page, element_id: str) -> Any:
    return page.locator(f".djs-element.djs-shape[data-element-id='{element_id}']")


def context_pad(page: Page, action: str) -> None:
    page.locator(f".djs-context-pad [data-action='{action}']").click()


def select_shape(page: Page, element_id: str) -> None:
    # The first click on the canvas after working in a popup menu or the properties panel
    # sometimes only ends that interaction (as it does for a person); click once more then.
    for _ in range(2):
        shape(page, element_id).click()
        if selected_id(page) == element_id:
            return
    raise AssertionError(f"could not select {element_id}")


def selected_id(page: Page) -> str:
    return page.evaluate(
        "() => window.bpmModeler.modeler.get('selection').get().map((element) => element.id)[0]"
    )


def flow_into(page: Page, target_id: str) -> str:
    return page.evaluate(
        "(target) => window.bpmModeler.modeler.get('elementRegistry')"
        ".filter((e) => e.type === 'bpmn:SequenceFlow' && e.target.id === target)[0].id",
        target_id,
    )


def click_flow(page: Page, flow_id: str) -> None:
    """Click the flow's longest segment just before its end, where no label sits on it."""
    point = page.evaluate(
        """(id) => {
            const modeler = window.bpmModeler.modeler;
            const points = modeler.get('elementRegistry').get(id).waypoints;
            const length = (i) => Math.hypot(points[i + 1].x - points[i].x, points[i + 1].y - points[i].y);
            let longest = 0;
            for (let i = 1; i < points.length - 1; i += 1) if (length(i) > length(longest)) longest = i;
            const [a, b] = [points[longest], points[longest + 1]];
            const t = 1 - 8 / length(longest);
            const viewbox = modeler.get('canvas').viewbox();
            const box = document.getElementById('canvas').getBoundingClientRect();
            return {
                x: box.left + (a.x + (b.x - a.x) * t - viewbox.x) * viewbox.scale,
                y: box.top + (a.y + (b.y - a.y) * t - viewbox.y) * viewbox.scale,
            };
        }""",
        flow_id,
    )
    for _ in range(2):  # see select_shape
        page.mouse.click(point["x"], point["y"])
        if selected_id(page) == flow_id:
            return
    hit = page.evaluate("(p) => document.elementFromPoint(p.x, p.y).outerHTML.slice(0, 300)", point)
    raise AssertionError(f"could not select {flow_id} at {point}: {selected_id(page)} {hit}")


def set_property(page: Page, prop: str, value: str) -> None:
    field = page.locator(f"#properties [data-prop='{prop}']")
    field.fill(value)
    field.press("Tab") if field.evaluate("(e) => e.tagName") == "INPUT" else field.blur()


def rename_selected(page: Page, new_id: str, name: str) -> None:
    set_property(page, "id", new_id)
    set_property(page, "name", name)


def open_new_diagram(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/modeler/")
    page.locator("#new-diagram").click()
    expect(shape(page, "start")).to_be_visible()


def test_it_models_a_process_that_deploys_and_runs(page: Page, live_server: Any, screenshot: Any) -> None:
    open_new_diagram(page, live_server)
    # The bpmn.io watermark stays, as bpmn-js's licence asks.
    expect(page.locator(".bjs-powered-by")).to_be_visible()

    # Model with the mouse: start -> task (made a service task) -> gateway -> two end events.
    select_shape(page, "start")
    context_pad(page, "append.append-task")
    page.keyboard.press("Escape")
    task = selected_id(page)
    context_pad(page, "replace")
    page.locator(".djs-popup [data-id='replace-with-service-task']").click()
    select_shape(page, task)
    rename_selected(page, "echoAmount", "Echo amount")
    page.locator("#properties [data-prop='bpm:type']").select_option("cli")
    set_property(page, "field:argv", "echo\n${amount}")
    set_property(page, "field:stdoutVariable", "echoed")
    set_property(page, "bpm:retry", "R3/PT10S")

    select_shape(page, "echoAmount")
    context_pad(page, "append.gateway")
    gateway = selected_id(page)
    rename_selected(page, "howMuch", "How much?")
    context_pad(page, "append.end-event")
    page.keyboard.press("Escape")
    rename_selected(page, "big", "Big amount")
    select_shape(page, "howMuch")
    context_pad(page, "append.end-event")
    page.keyboard.press("Escape")
    rename_selected(page, "small", "Small amount")
    set_property(page, "id", "big")  # taken: refused with a reason, nothing changes
    expect(page.locator("#properties .hint").first).to_have_text("The id big is already used.")
    set_property(page, "id", "small")
    assert gateway  # the gateway was selected after being appended

    # Conditions and the default flow through the properties panel.
    click_flow(page, flow_into(page, "big"))
    set_property(page, "condition", "amount > 1000")
    click_flow(page, flow_into(page, "small"))
    page.locator("#properties [data-prop='default']").check()

    # The process itself: click the empty canvas.
    page.mouse.click(700, 700)
    rename_selected(page, "amounts", "Amounts")
    expect(page.locator("#status")).to_have_text("Unsaved changes")
    select_shape(page, "echoAmount")
    screenshot(page, "editor")

    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text("Draft saved; ready to deploy")
    expect(page).to_have_url(re.compile(r"/modeler/drafts/\d+/$"))
    page.locator("#deploy").click()
    expect(page.locator("#status")).to_have_text("Deployed amounts version 1")

    definition = ProcessDefinition.objects.get(key="amounts")
    assert definition.version == 1 and definition.name == "Amounts"
    service = parse_bpmn(definition.bpmn_xml).node("echoAmount").service
    assert service is not None and service.retry == "R3/PT10S"
    assert Draft.objects.get().deployed == definition
    big = run_local(definition=definition, variables={"amount": 5000})
    assert big.status == "completed"
    assert big.completed_nodes[-1] == "big"
    assert big.variables["echoed"].strip() == "5000"
    small = run_local(definition=definition, variables={"amount": 10})
    assert small.completed_nodes[-1] == "small"

    # The list shows the draft and the deployed version.
    page.goto(f"{live_server.url}/modeler/")
    expect(page.locator("#drafts")).to_contain_text("Amounts")
    expect(page.locator("#drafts")).to_contain_text("version 1")
    expect(page.locator("#definitions")).to_contain_text("amounts")
    screenshot(page, "list")


def broken_hello() -> str:
    xml = (EXAMPLES / "hello.bpmn").read_text()
    xml = xml.replace('name="Greet everyone" bpm:type="cli"', 'name="Greet everyone"')
    return xml.replace('${name == "World"}', "${name ==}")


def test_it_marks_each_problem_on_its_element_and_refuses_to_deploy(
    page: Page, live_server: Any, modeler_user: Any, screenshot: Any
) -> None:
    draft = Draft.objects.create(name="Broken hello", process_key="hello", xml=broken_hello())
    page.goto(f"{live_server.url}/modeler/drafts/{draft.pk}/")
    expect(shape(page, "greetEveryone")).to_be_visible()

    page.locator("#deploy").click()
    expect(page.locator("#status")).to_contain_text("Deploy refused: 2 problems")
    marked = page.locator(".djs-element.bpm-problem")
    expect(marked).to_have_count(2)
    expect(page.locator(".djs-element.bpm-problem[data-element-id='greetEveryone']")).to_be_visible()
    expect(page.locator(".bpm-problem-note[data-element-id='greetEveryone']")).to_contain_text(
        "service task has no bpm:type"
    )
    expect(page.locator(".bpm-problem-note[data-element-id='toEveryone']")).to_contain_text(
        "the condition is not a valid expression"
    )
    expect(page.locator("#problems li")).to_have_count(2)
    assert not ProcessDefinition.objects.exists()
    screenshot(page, "problems")

    # Fixing the model in the panel clears the markers on the next deploy.
    select_shape(page, "greetEveryone")
    page.locator("#properties [data-prop='bpm:type']").select_option("cli")
    click_flow(page, "toEveryone")
    set_property(page, "condition", '${name == "World"}')
    page.locator("#deploy").click()
    expect(page.locator("#status")).to_have_text("Deployed hello version 1")
    expect(marked).to_have_count(0)
    assert ProcessDefinition.objects.get().key == "hello"


def test_it_imports_and_exports_a_model_without_changing_what_runs(page: Page, live_server: Any) -> None:
    open_new_diagram(page, live_server)
    original = (EXAMPLES / "order.bpmn").read_bytes()
    page.locator("#import-file").set_input_files(str(EXAMPLES / "order.bpmn"))
    expect(shape(page, "review")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Imported order.bpmn")

    with page.expect_download() as bpmn_download:
        page.locator("#export-bpmn").click()
    assert bpmn_download.value.suggested_filename == "order.bpmn"
    exported = Path(bpmn_download.value.path()).read_bytes()
    assert without_lines(parse_bpmn(exported).to_json()) == without_lines(parse_bpmn(original).to_json())

    with page.expect_download() as svg_download:
        page.locator("#export-svg").click()
    assert svg_download.value.suggested_filename == "order.svg"
    svg = Path(svg_download.value.path()).read_text()
    assert "<svg" in svg and "Review order" in svg


def without_lines(value: Any) -> Any:
    """The graph's JSON without line numbers, which reformatting the XML changes."""
    if isinstance(value, dict):
        return {key: without_lines(item) for key, item in value.items() if key != "line"}
    if isinstance(value, list):
        return [without_lines(item) for item in value]
    return value


def test_it_edits_a_user_task_form_and_warns_before_losing_changes(page: Page, live_server: Any) -> None:
    open_new_diagram(page, live_server)
    select_shape(page, "start")
    context_pad(page, "append.append-task")
    page.keyboard.press("Escape")
    context_pad(page, "replace")
    page.locator(".djs-popup [data-id='replace-with-user-task']").click()
    select_shape(page, selected_id(page))
    rename_selected(page, "approve", "Approve")
    set_property(page, "bpm:assignee", "${initiator}")
    set_property(page, "bpm:candidateGroups", "managers, sales")
    page.locator("#properties [data-action='add-form-field']").click()
    set_property(page, "formField:id", "days")
    page.locator("#properties [data-prop='formField:type']").select_option("long")
    page.locator("#properties [data-prop='formField:required']").check()
    set_property(page, "formField:constraints", "min=1\nmax=30")

    # Leaving with unsaved changes asks first; staying keeps the page.
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    with page.expect_event("dialog"):
        page.locator(".modeler-toolbar a").click(no_wait_after=True)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(re.compile(r"/modeler/drafts/\d+/$"))

    page.keyboard.press("Control+s")  # the usual shortcut saves the draft
    expect(page.locator("#status")).to_contain_text("Draft saved")
    user_task = parse_bpmn(Draft.objects.get().xml).node("approve").user_task
    assert user_task is not None
    assert user_task.assignee == "${initiator}"
    assert user_task.candidate_groups == ("managers", "sales")
    assert [(f.id, f.type, f.required, f.constraints) for f in user_task.form_fields] == [
        ("days", "long", True, (("min", "1"), ("max", "30")))
    ]
    # Saved: leaving asks nothing.
    page.locator(".modeler-toolbar a").click()
    expect(page).to_have_url(re.compile(r"/modeler/$"))
    assert dialogs == ["beforeunload"]


def append_and_replace(page: Page, append: str, replace_with: str, new_id: str) -> None:
    context_pad(page, append)
    page.keyboard.press("Escape")
    context_pad(page, "replace")
    page.locator(f".djs-popup [data-id='{replace_with}']").click()
    select_shape(page, selected_id(page))
    set_property(page, "id", new_id)


def test_it_sets_scripts_timers_messages_signals_errors_in_the_panel(page: Page, live_server: Any) -> None:
    open_new_diagram(page, live_server)
    select_shape(page, "start")
    append_and_replace(page, "append.append-task", "replace-with-script-task", "compute")
    set_property(page, "script", "total = 2 * 21\nlabel = 'order ' + orderId")
    append_and_replace(page, "append.intermediate-event", "replace-with-timer-intermediate-catch", "wait")
    page.locator("#properties [data-prop='timerKind']").select_option("timeDuration")
    set_property(page, "timer", "PT5M")
    append_and_replace(page, "append.append-task", "replace-with-receive-task", "payment")
    set_property(page, "message", "paid")
    set_property(page, "bpm:correlationKey", "orderId")
    signal_throw = "replace-with-signal-intermediate-throw"
    append_and_replace(page, "append.intermediate-event", signal_throw, "announce")
    set_property(page, "signal", "orders-closed")
    append_and_replace(page, "append.end-event", "replace-with-error-end", "failed")
    set_property(page, "errorCode", "PAYMENT_FAILED")
    page.locator("#save").click()
    expect(page.locator("#status")).to_have_text("Draft saved; ready to deploy")

    graph = parse_bpmn(Draft.objects.get().xml)
    assert graph.node("compute").script == "total = 2 * 21\nlabel = 'order ' + orderId"
    assert graph.node("wait").timer == ("duration", "PT5M")
    assert (graph.node("payment").message_name, graph.node("payment").correlation_key) == ("paid", "orderId")
    announce = graph.node("announce")
    assert (announce.trigger, announce.message_name) == ("signal", "orders-closed")
    assert graph.node("failed").error_code == "PAYMENT_FAILED"
