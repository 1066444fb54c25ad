"""The file store: generated names only, atomic writes, nothing outside its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.situations.conftest import PDF, image_bytes
from tracker.situations.storage import FileStore, get_store, sniff_media_type, upload_root


def test_files_are_written_whole_under_generated_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = FileStore(tmp_path / "situations")
    first, second = store.save(b"un"), store.save(b"un")
    assert first != second
    assert {p.name for p in store.root.iterdir()} == {first, second}  # no temporary left
    assert store.path(first).read_bytes() == b"un"
    store.delete(first)
    store.delete(first)  # already gone: nothing to do
    assert not store.exists(first)


@pytest.mark.parametrize("name", ["../etc/passwd", "a" * 32 + "/..", "ABCDEF" * 6, "", "x.pdf"])
def test_only_generated_names_are_read(tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="not a stored file name"):
        FileStore(tmp_path).path(name)


def test_the_folder_is_configurable_and_defaults_to_the_instance_folder(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        monkeypatch.setitem(app.config, "UPLOAD_DIR", None)
        assert upload_root() == Path(app.instance_path) / "uploads"
        monkeypatch.setitem(app.config, "UPLOAD_DIR", "/srv/livret/fichiers")
        assert str(get_store().root) == "/srv/livret/fichiers/situations"
        assert "static" not in str(get_store().root)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("JPEG")[:40], None),  # truncated: Pillow cannot verify it
        (image_bytes("BMP"), None),
        (b"%PD", None),
    ],
)
def test_the_type_comes_from_the_content(data: bytes, expected: str | None) -> None:
    assert sniff_media_type(data) == expected
