"""Files of work situations on disk: outside the web root, under random names.

The directory is ``UPLOAD_DIR`` (``<instance folder>/uploads`` by default), in its
``situations`` sub-folder. A file is written atomically (a temporary file in the same
folder, then ``os.replace``), so a reader never sees half a file.

Disk and database stay in step through the session: a file written during a transaction
is removed again if that transaction does not commit, and a file whose row is deleted is
removed only once the deletion is committed (``discard_unless_committed``,
``delete_after_commit``). A crash between the commit and the removal leaves at worst an
orphan file, never a row without its file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import secrets
import tempfile
import warnings
from pathlib import Path
from typing import Any

import filetype
from flask import abort, current_app, send_file
from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

# 32 hexadecimal characters: the only names the store reads or writes, so a name coming
# back from the database can never point outside the folder.
STORED_NAME = re.compile(r"[0-9a-f]{32}")

# What an accepted file may be, from its content: media type -> Pillow format (None: no
# image check) and the extension its download name ends with.
ACCEPTED = {
    "application/pdf": (None, ".pdf"),
    "image/png": ("PNG", ".png"),
    "image/jpeg": ("JPEG", ".jpg"),
}

_NEW = "situations.files_written"
_DELETE = "situations.files_to_delete"


class FileStore:
    """A folder of files named by the store itself."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        if not STORED_NAME.fullmatch(name):
            raise ValueError("not a stored file name")
        return self.root / name

    def save(self, data: bytes) -> str:
        """Write ``data`` under a new random name and return that name."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(16)
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path(name))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return name

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink(missing_ok=True)
        except (OSError, ValueError):
            # The row is gone already; an orphan file is harmless and logged for cleanup.
            log.warning("could not remove stored file %s", name)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()


def sniff_media_type(data: bytes) -> str | None:
    """The media type of ``data`` read from its content (never from its name or from what
    the browser claims): PDF, PNG or JPEG, or None for anything else.

    Images must also open and verify with Pillow (a PNG signature glued to other bytes
    does not pass), and an image whose size looks like a decompression bomb is refused.
    """
    kind = filetype.guess(data)
    media_type = kind.mime if kind is not None else None
    if media_type not in ACCEPTED:
        return None
    image_format = ACCEPTED[media_type][0]
    if image_format is None:
        return media_type
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != image_format:
                    return None
                image.verify()
    except Exception:  # Pillow raises many kinds of error on a malformed image
        return None
    return media_type


def upload_root() -> Path:
    configured = current_app.config.get("UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def get_store() -> FileStore:
    """The store of the running app's situation files."""
    return FileStore(upload_root() / "situations")


def discard_unless_committed(session: Session, store: FileStore, name: str) -> None:
    """Remove the file ``name`` again unless the session's transaction commits."""
    session.info.setdefault(_NEW, []).append((store, name))


def delete_after_commit(session: Session, store: FileStore, name: str) -> None:
    """Remove the file ``name`` once the session's transaction has committed."""
    session.info.setdefault(_DELETE, []).append((store, name))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # A savepoint's commit is not the end of the story: wait for the outer transaction.
    if session.in_nested_transaction():
        return
    session.info.pop(_NEW, None)
    for store, name in session.info.pop(_DELETE, []):
        store.delete(name)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # Still listed after the outer transaction ended: it did not commit (after_commit
    # empties both lists), so the new files go and the deletions are forgotten.
    for store, name in session.info.pop(_NEW, []):
        store.delete(name)
    session.info.pop(_DELETE, None)


def send_stored(store: FileStore, stored_name: str, media_type: str, download_name: str) -> Any:
    """A stored file as a download (404 when it is missing from disk).

    Always an attachment, never shown inline, with the type sniffed at upload (and
    X-Content-Type-Options: nosniff): a file cannot run as a page of this site. Files are
    small (a few MB): read at once, no file handle outlives the request.
    """
    path = store.path(stored_name)
    if not path.is_file():
        abort(404)
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=media_type,
        as_attachment=True,
        download_name=download_name,
        conditional=False,
        etag=False,
    )
