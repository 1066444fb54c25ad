"""Every user-facing message of the code and templates has its English translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("tracker/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "_l": None, "gettext": None}


def extracted_messages() -> set[str]:
    messages: set[str] = set()
    for folder in ("tracker", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[(pattern.split("/", 1)[1], method) for pattern, method in METHODS],
            keywords=KEYWORDS,
            # Babel skips folders starting with "_" by default: templates/_macros counts.
            directory_filter=lambda path: not Path(path).name.startswith("."),
        ):
            messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_english_catalogue_translates_every_message() -> None:
    with (ROOT / "tracker/translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {message.id for message in catalogue if message.id and message.string}
    missing = sorted(extracted_messages() - translated)
    assert not missing, (
        f"{len(missing)} message(s) without English translation (run scripts/i18n.sh, "
        "then translate them in tracker/translations/en/LC_MESSAGES/messages.po):\n"
        + "\n".join(missing[:20])
    )


def test_placeholders_survive_translation() -> None:
    import re

    with (ROOT / "tracker/translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in catalogue:
        if message.id and message.string:
            assert set(placeholder.findall(message.id)) == set(
                placeholder.findall(message.string)
            ), message.id
