"""The one way this app makes a PDF: a Jinja template from ``templates/pdf/``, fed a
plain-data context, laid out by WeasyPrint.

What every PDF gets here, whoever asks for it (the jury dossier, the procès-verbal):

- the app's Jinja environment, HTML autoescaping on (templates end in ``.html``), French
  unless the metadata says otherwise; the entry template extends ``pdf/base.html``, which
  writes ``<html lang>``, ``<title>`` and the ``<meta>`` WeasyPrint turns into the PDF's
  metadata (title, author, subject, language, creation date);
- the print CSS ``pdf/base.css`` (page, fonts, running header and footer, tables) and, when
  it exists, the template's own CSS next to it (``pdf/dossier.html`` → ``pdf/dossier.css``);
- the fonts bundled in ``tracker/static/fonts`` (DejaVu, which covers French typography,
  the narrow no-break space U+202F included), declared with ``@font-face`` in base.css, with
  one ``FontConfiguration`` shared by the stylesheets and the layout;
- a URL fetcher that serves only files under ``tracker/static`` through the
  ``livret-static:`` scheme, and the SVG images the template itself generated
  (``embed_svg``: the charts), and refuses everything else (``file://``, ``http(s)://``,
  ``data:``...) by stopping the render: user text is escaped, so a refused URL can only
  come from a template bug, and a PDF with a silently missing part is worse than none;
- PDF/A-3b (archival, attachments allowed), with the given files attached.

Nothing here reads the database or the request: callers build the context.
"""

from __future__ import annotations

import base64
import io
import mimetypes
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import pydyf
import weasyprint
from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()
SCHEME = "livret-static"
IMAGE_SCHEME = "livret-image"
PDF_VARIANT = "pdf/a-3b"
# PDF/A's output intent: WeasyPrint's own sRGB profile, read here once (left to itself,
# WeasyPrint 70 opens the profile's file for every PDF and never closes it).
OUTPUT_INTENT = "livret-srgb"
BASE_CSS = "pdf/base.css"


@dataclass(frozen=True)
class PdfMetadata:
    """What the PDF says of itself: its title, author (who issues it), subject, language
    and creation date (now, in UTC, when not given)."""

    title: str
    author: str
    subject: str
    lang: str = "fr"
    created: datetime | None = None

    @property
    def created_w3c(self) -> str:
        """The creation date as WeasyPrint reads ``<meta name="dcterms.created">``."""
        moment = (self.created or datetime.now(UTC)).astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF (PDF/A-3 "associated file", relationship ``Data``)."""

    name: str
    data: bytes = field(repr=False)
    media_type: str
    description: str = ""


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes = field(repr=False)
    pages: int


class RefusedURL(ValueError):
    """A URL outside our static files was asked for."""


class StaticFetcher(URLFetcher):
    """Serves ``livret-static:<path>`` from ``tracker/static``, and ``livret-image:<n>``
    from the images the document's own template generated (``images``), nothing else.

    ``fail_on_errors``: a refused URL raises ``FatalURLFetchingError`` out of WeasyPrint
    and stops the render (WeasyPrint would otherwise log it and go on without the part)."""

    def __init__(self, images: Mapping[str, bytes] | None = None) -> None:
        super().__init__(fail_on_errors=True)
        self.images = images or {}

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url in self.images:
            return URLFetcherResponse(
                url, body=self.images[url], headers={"Content-Type": "image/svg+xml"}
            )
        path = static_path(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": media_type})


def static_path(url: str) -> Path:
    """The file a ``livret-static:`` URL names, inside ``tracker/static``; raises
    ``RefusedURL`` for any other URL, a path leaving the folder, or a missing file."""
    scheme, _, rest = url.partition(":")
    if scheme.lower() != SCHEME or not rest:
        raise RefusedURL(f"only {SCHEME}: URLs are fetched, not {url[:80]!r}")
    relative = PurePosixPath(unquote(rest.split("?")[0].split("#")[0]).lstrip("/"))
    if relative.is_absolute() or ".." in relative.parts or "\\" in str(relative):
        raise RefusedURL(f"{url[:80]!r} leaves the static folder")
    path = (STATIC_ROOT / relative).resolve()
    if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
        raise RefusedURL(f"{url[:80]!r} is not a static file")
    return path


def static_url(path: str) -> str:
    """The URL of a file of ``tracker/static`` for a PDF template (``fonts/...``)."""
    return f"{SCHEME}:{path.lstrip('/')}"


# The SVG images a template generates while it renders (``embed_svg``), by URL.
_images: ContextVar[dict[str, bytes] | None] = ContextVar("livret_pdf_images", default=None)


def embed_svg(markup: str) -> str:
    """The URL under which a template shows SVG markup it generated (a chart) as an
    image: ``<img src="{{ embed_svg(svg) }}">``. WeasyPrint then reads the SVG as an
    image instead of styling and laying out each of its elements as part of the page
    (about a tenth of a dossier's render time). During ``render_document`` the URL names
    the image among the document's own; outside it (``render_html`` alone, for a
    benchmark), it is a ``data:`` URL any WeasyPrint reads."""
    data = str(markup).encode("utf-8")
    images = _images.get()
    if images is None:
        return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    url = f"{IMAGE_SCHEME}:{len(images) + 1}.svg"
    images[url] = data
    return url


class _AttachmentFetcher(URLFetcher):
    """Hands WeasyPrint one attachment's bytes with its media type (WeasyPrint would
    otherwise guess the type from the name)."""

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(fail_on_errors=True)
        self.attachment = attachment

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        return URLFetcherResponse(
            url, body=self.attachment.data, headers={"Content-Type": self.attachment.media_type}
        )


def _one_entry_per_file(document: Any, pdf: Any) -> None:
    """WeasyPrint 70 lists each attachment twice among the catalog's associated files
    (``/AF``, PDF/A-3): keep each reference once."""
    files = pdf.catalog.get("AF")
    if files:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(files))


@cache
def _srgb_bytes() -> bytes:
    return (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def _srgb_profile() -> ColorProfile:
    return ColorProfile(
        io.BytesIO(_srgb_bytes()), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )


def _stylesheet_names(template: str) -> list[str]:
    """base.css, then the template's own stylesheet when there is one."""
    names = [BASE_CSS]
    own = str(PurePosixPath(template).with_suffix(".css"))
    if own != BASE_CSS:
        try:
            current_app.jinja_env.loader.get_source(current_app.jinja_env, own)  # type: ignore[union-attr]
        except TemplateNotFound:
            pass
        else:
            names.append(own)
    return names


def _css_text(name: str) -> str:
    source, _filename, _uptodate = current_app.jinja_env.loader.get_source(  # type: ignore[union-attr]
        current_app.jinja_env, name
    )
    return source


def render_html(
    template: str, context: Mapping[str, Any], *, metadata: PdfMetadata | None = None
) -> str:
    """The HTML of a PDF template (what WeasyPrint lays out), in the metadata's language
    (French by default). The template gets ``context``, ``pdf`` (the metadata) and
    ``static_url``; Flask's context processors are not run (no request, no user)."""
    lang = metadata.lang if metadata is not None else "fr"
    with force_locale(lang):
        return current_app.jinja_env.get_template(template).render(
            {**context, "pdf": metadata, "static_url": static_url, "embed_svg": embed_svg}
        )


def render_document(
    template: str,
    context: Mapping[str, Any],
    *,
    metadata: PdfMetadata,
    attachments: Sequence[Attachment] = (),
) -> RenderedPdf:
    """The PDF and its page count (see ``render_pdf``)."""
    images: dict[str, bytes] = {}
    token = _images.set(images)
    try:
        html = render_html(template, context, metadata=metadata)
    finally:
        _images.reset(token)
    fetcher = StaticFetcher(images)
    fonts = FontConfiguration()
    stylesheets = [
        weasyprint.CSS(string=_css_text(name), url_fetcher=fetcher, font_config=fonts)
        for name in _stylesheet_names(template)
    ]
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
        font_config=fonts,
        color_profiles={OUTPUT_INTENT: _srgb_profile()},
        stylesheets=stylesheets,
        pdf_variant=PDF_VARIANT,
        output_intent=OUTPUT_INTENT,
    )
    files = [
        weasyprint.Attachment(
            url=f"livret-attachment:{index}",
            url_fetcher=_AttachmentFetcher(attachment),
            name=attachment.name,
            description=attachment.description or None,
            relationship="Data",
        )
        for index, attachment in enumerate(attachments)
    ]
    data = document.write_pdf(
        pdf_variant=PDF_VARIANT,
        output_intent=OUTPUT_INTENT,
        attachments=files,
        finisher=_one_entry_per_file,
    )
    return RenderedPdf(data, len(document.pages))


def render_pdf(
    template: str,
    context: Mapping[str, Any],
    *,
    metadata: PdfMetadata,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """Render ``template`` (e.g. "pdf/dossier.html") with ``context`` into a PDF/A-3b
    with ``metadata`` and ``attachments``: the one render helper of the app."""
    return render_document(template, context, metadata=metadata, attachments=attachments).data
