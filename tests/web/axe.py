"""axe-core, the accessibility checker, run inside a Playwright page.

The script comes from the `axe-playwright-python` package on PyPI, which bundles
`axe.min.js` (so a fresh machine gets it from `pip install -e '.[test]'`, no download at
test time). It is evaluated through the DevTools protocol, which the page's
Content-Security-Policy does not govern. This module only reports what axe finds; it
decides nothing about which rules matter beyond the impact filter, and it does not
check what axe cannot (reading order, whether a label makes sense).

    violations(page)  ->  [{"id": "label", "impact": "critical", "help": ..., "nodes": [...]}]
"""

from __future__ import annotations

from axe_playwright_python.base import AXE_SCRIPT

IMPACTS = ("minor", "moderate", "serious", "critical")


def violations(page, impact=("serious", "critical"), *, context: str | None = None) -> list[dict]:
    """axe's violations on `page` (within the CSS selector `context`, else the whole
    document) whose impact is one of `impact`; each keeps axe's `id`, `impact`, `help`
    and, per element, its `target` selector and `summary`."""
    unknown = set(impact) - set(IMPACTS)
    if unknown:
        raise ValueError(f"unknown impact {sorted(unknown)}; use some of {IMPACTS}")
    settle(page)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    found = page.evaluate(
        """context => axe.run(context ? document.querySelector(context) : document,
                              {resultTypes: ['violations']}).then(r => r.violations)""",
        context)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")}
                       for n in v["nodes"]]}
            for v in found if v["impact"] in impact]


def settle(page, *, timeout: float = 60_000) -> None:
    """Wait until no Gradio output is pending (its progress text and timer are gone) and
    the fade after it has ended: axe would otherwise judge half-faded text."""
    page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar, "
                           ".wrap.pending, .generating')", timeout=timeout)
    page.wait_for_timeout(400)


def describe(found: list[dict]) -> str:
    """The violations in a few readable lines, for an assertion message."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}: "
                     + "; ".join(str(n["target"]) for n in v["nodes"][:5]) for v in found)
