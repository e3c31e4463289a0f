"""axe-core run in a Playwright page, for the browser tests of every tab.

`serious_violations(page)` injects axe-core and returns the violations of impact
"serious" or "critical" (optionally within one part of the page); `describe` makes
them readable in an assertion message. axe-core is the copy bundled in the PyPI package
`axe-playwright-python` (a test extra, so `make test` installs it on a fresh machine);
nothing is fetched while the tests run. This module checks nothing by itself, and
leaves out axe's "moderate" and "minor" findings, which the tests do not gate on.

    >>> describe([{"id": "color-contrast", "impact": "serious", "help": "Contrast",
    ...            "nodes": [{"target": ["#x"]}]}])
    'color-contrast (serious): Contrast — #x'
"""

from __future__ import annotations

GATED = ("serious", "critical")


def serious_violations(page, *, within: str | None = None) -> list[dict]:
    """axe-core's violations of impact serious or critical on the page as it is now
    (within the CSS selector `within`, if given)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=within, options={"resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v.get("impact") in GATED]


def describe(violations: list[dict]) -> str:
    """One line per violation: rule, impact, what it asks, and the elements at fault."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                     + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                     for v in violations)
