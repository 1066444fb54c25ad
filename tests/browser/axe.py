"""axe-core accessibility check, shared by every page test."""

from __future__ import annotations

import json
from pathlib import Path

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_no_violations(page, axe_script: str) -> None:  # type: ignore[no-untyped-def]
    # Evaluated through the DevTools protocol, which the page's CSP (no inline script)
    # rightly does not allow a <script> tag to do; the page itself is left untouched.
    page.evaluate(Path(axe_script).read_text(encoding="utf-8"))
    locale = Path(axe_script).parent / "locales" / "fr.json"
    if locale.exists():
        page.evaluate("locale => axe.configure({locale})", json.loads(locale.read_text()))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    violations = result["violations"]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(node["html"][:200] for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe-core violations on {page.url}:\n{report}"
    assert result["passes"], "axe-core ran no check at all"
