"""The render helper: a URL fetcher limited to our static files, the bundled fonts, the
metadata and attachments of a PDF/A."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from fontTools.ttLib import TTFont
from weasyprint.urls import FatalURLFetchingError

from tracker.dossiers import render
from tracker.dossiers.render import (
    STATIC_ROOT,
    Attachment,
    PdfMetadata,
    RefusedURL,
    StaticFetcher,
    static_path,
)

FONTS = STATIC_ROOT / "fonts"
NARROW_NO_BREAK_SPACE = 0x202F


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.org/font.ttf",
        "data:text/plain,bonjour",
        "livret-static:../config.py",
        "livret-static:fonts/../../__init__.py",
        "livret-static:/etc/passwd",
        "livret-static:%2e%2e/__init__.py",
        "livret-static:fonts/absent.ttf",
        "livret-static:",
        "fonts/DejaVuSans.ttf",
    ],
)
def test_the_fetcher_refuses_anything_outside_static_files(url: str) -> None:
    with pytest.raises(RefusedURL):
        static_path(url)
    with pytest.raises(RefusedURL):
        StaticFetcher().fetch(url)


def test_generated_images_are_served_to_their_document_only() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>'
    # Outside a render: a self-contained data: URL (what a bare benchmark lays out)...
    url = render.embed_svg(svg)
    assert url.startswith("data:image/svg+xml;base64,")
    # ... which our fetcher never reads: only the images its document generated.
    with pytest.raises(RefusedURL):
        StaticFetcher().fetch(url)
    fetcher = StaticFetcher({"livret-image:1.svg": svg.encode()})
    response = fetcher.fetch("livret-image:1.svg")
    assert response.read() == svg.encode()
    assert response.content_type == "image/svg+xml"
    with pytest.raises(RefusedURL):
        fetcher.fetch("livret-image:2.svg")


def test_the_fetcher_serves_static_files() -> None:
    response = StaticFetcher().fetch("livret-static:fonts/DejaVuSans.ttf")
    assert response.read() == (FONTS / "DejaVuSans.ttf").read_bytes()
    assert response.content_type == "font/ttf"


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        "<p style=\"background: url('file:///etc/passwd')\">x</p>",
        '<link rel="attachment" href="file:///etc/passwd">',
    ],
)
def test_a_refused_url_stops_the_render(markup: str) -> None:
    """A template that asked for anything but our static files would be a bug: the render
    stops rather than quietly leaving a part out (user text never gets here: escaped)."""
    html = weasyprint.HTML(
        string=f"<html><body>{markup}</body></html>", url_fetcher=StaticFetcher()
    )
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


def test_the_bundled_fonts_cover_french_typography() -> None:
    """A glyph missing from the font sends Pango searching (layout once 11 times slower)."""
    french = "àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆ«»’…–—·•€°№▼⚠✔✓✗◐○"
    for name in ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansCondensed", "DejaVuSansMono"):
        cmap = TTFont(FONTS / f"{name}.ttf").getBestCmap()
        assert NARROW_NO_BREAK_SPACE in cmap, name
        assert 0x00A0 in cmap, name
        assert not [c for c in french if ord(c) not in cmap], name
    assert (FONTS / "LICENSE").read_text().count("Bitstream Vera Fonts Copyright") == 1


def test_base_css_declares_only_the_bundled_fonts() -> None:
    css = (Path(__file__).parents[2] / "templates" / "pdf" / "base.css").read_text()
    for line in css.splitlines():
        if "url(" in line:
            assert 'url("livret-static:fonts/' in line, line


def test_render_pdf_writes_metadata_and_attachments(app, db_session) -> None:  # type: ignore[no-untyped-def]
    """The procès-verbal and the dossier go through the same helper; a tiny context is
    enough to check what every PDF gets."""
    with app.test_request_context():
        html = render.render_html(
            "pdf/base.html",
            {},
            metadata=PdfMetadata(
                "Titre <essai>",
                "École",
                "Sujet du document",
                created=datetime(2027, 6, 30, 8, 15, tzinfo=UTC),
            ),
        )
        assert "<title>Titre &lt;essai&gt;</title>" in html
        data = render.render_pdf(
            "pdf/base.html",
            {},
            metadata=PdfMetadata(
                "Titre <essai>",
                "École",
                "Sujet du document",
                created=datetime(2027, 6, 30, 8, 15, tzinfo=UTC),
            ),
            attachments=[
                Attachment("donnees.json", b'{"a": 1}', "application/json", "Les données")
            ],
        )
    with pikepdf.open(io.BytesIO(data)) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Titre <essai>"
        assert str(info["/Author"]) == "École"
        assert str(info["/Subject"]) == "Sujet du document"
        assert str(info["/CreationDate"]).startswith("D:20270630081500")
        assert str(pdf.Root.Lang) == "fr"
        with pdf.open_metadata() as meta:
            assert meta.pdfa_status == "3B"
        files = pdf.attachments
        assert list(files) == ["donnees.json"]
        spec = files["donnees.json"]
        assert spec.get_file().read_bytes() == b'{"a": 1}'
        assert spec.description == "Les données"
        assert str(spec.get_file().obj.Subtype) == "/application/json"
        assert str(spec.obj.AFRelationship) == "/Data"
