"""axe-core, the accessibility checker, run inside a Playwright page, for the browser
tests of every tab.

The script comes from the `axe-playwright-python` package on PyPI, which bundles
`axe.min.js` (a test extra, so a fresh machine gets it from `pip install -e '.[test]'`;
nothing is fetched while the tests run). It is evaluated through the DevTools protocol,
which the page's Content-Security-Policy does not govern. This module only reports what
axe finds; it decides nothing about which rules matter beyond the impact filter (by
default "serious" and "critical": the tests do not gate on "moderate" and "minor"), and
it does not check what axe cannot (reading order, whether a label makes sense).

    violations(page)  ->  [{"id": "label", "impact": "critical", "help": ..., "nodes": [...]}]

`describe` makes them readable in an assertion message:

    >>> describe([{"id": "color-contrast", "impact": "serious", "help": "Contrast",
    ...            "nodes": [{"target": ["#x"]}]}])
    'color-contrast (serious): Contrast — #x'
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
    """One line per violation: rule, impact, what it asks, and the elements at fault."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                     + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                     for v in found)
