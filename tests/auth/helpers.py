"""Helpers shared by the account tests: reading the links out of recorded e-mails."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tracker.extensions import mail

LINK = re.compile(r"http://localhost(/\S+)")


def link_path(body: str) -> str:
    """The path of the one absolute link of an e-mail body."""
    links = LINK.findall(body)
    assert len(links) == 1, body
    return links[0]


def ask_reset(client: FlaskClient, email: str, **kwargs: object):  # type: ignore[no-untyped-def]
    """Post the forgotten-password form; returns the answer and the e-mails sent (the
    message leaves once the answer is closed, as a WSGI server does after sending it)."""
    with mail.record_messages() as outbox:
        response = client.post("/mot-de-passe-oublie", data={"email": email}, **kwargs)
        html = response.get_data(as_text=True)
        response.close()
    return response, html, outbox
