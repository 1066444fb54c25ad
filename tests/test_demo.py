"""``flask demo load``: the Quickstart's demonstration data."""

from __future__ import annotations

import json

from tracker.demo import ACCOUNTS, DEMO_PASSWORD


def test_demo_load_fills_an_empty_database_and_prints_accounts(app, db_session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["password"] == DEMO_PASSWORD
    assert {a["email"] for a in data["accounts"]} == {a.email for a in ACCOUNTS}
    assert {"manager"} in [set(a["roles"]) for a in data["accounts"]]
    listing = json.loads(runner.invoke(args=["referentials", "list", "--json"]).output)
    assert len(listing) == 5
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0


def test_demo_accounts_can_sign_in(app, db_session, client) -> None:
    app.test_cli_runner().invoke(args=["demo", "load"])
    response = client.post(
        "/connexion",
        data={"email": "responsable@demo.livret.fr", "password": DEMO_PASSWORD},
        follow_redirects=True,
    )
    assert "Bienvenue, Claire Dubois." in response.get_data(as_text=True)
