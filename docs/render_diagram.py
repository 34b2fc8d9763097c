"""Draw a BPMN file's diagram (its BPMNDI) as SVG or PNG for the docs, the way bpmn-js shows it.

    .venv/bin/python docs/render_diagram.py examples/saga-booking.bpmn docs/img/saga-booking.svg

Runs bpmn-js's viewer (node_modules/bpmn-js, installed by `npm ci`) in Debian's chromium through
playwright; no browser is downloaded. The output format follows the file extension.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
VIEWER = REPO / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
ASSETS = REPO / "node_modules" / "bpmn-js" / "dist" / "assets"

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>html, body {{ margin: 0; background: white; }} #canvas {{ width: 1600px; height: 1000px; }}</style>
<style>{css}</style></head><body><div id="canvas"></div><script>{viewer}</script></body></html>"""

RENDER = """async (xml) => {
  const viewer = new BpmnJS({ container: '#canvas' });
  const { warnings } = await viewer.importXML(xml);
  viewer.get('canvas').zoom('fit-viewport');
  const { svg } = await viewer.saveSVG();
  return { svg, warnings: warnings.map((w) => w.message) };
}"""


def render(model: Path, output: Path) -> list[str]:
    """Write the diagram of `model` to `output` (.svg or .png); return bpmn-js's import warnings."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    if not VIEWER.exists():
        raise SystemExit(f"{VIEWER.relative_to(REPO)} is missing: run `npm ci` first")
    css = "\n".join((ASSETS / name).read_text() for name in ("diagram-js.css", "bpmn-js.css"))
    html = PAGE.format(css=css, viewer=VIEWER.read_text())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_content(html)
            result = page.evaluate(RENDER, model.read_text())
            output.parent.mkdir(parents=True, exist_ok=True)
            if output.suffix == ".png":
                page.set_content(f"<body style='margin:0;background:white'>{result['svg']}</body>")
                page.locator("svg").first.screenshot(path=str(output))
            else:
                output.write_text(result["svg"])
        finally:
            browser.close()
    return list(result["warnings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("output", type=Path, help="an .svg or .png file")
    arguments = parser.parse_args()
    warnings = render(arguments.model, arguments.output)
    if warnings:
        print(json.dumps(warnings, indent=2), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
