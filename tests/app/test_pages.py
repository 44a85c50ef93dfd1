"""The app's log-in and the Kaart page, run headless with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from buitengebied.store.database import open_store

MAIN = Path(__file__).resolve().parents[2] / "src" / "buitengebied_app" / "main.py"
PASSWORD = "een-lang-wachtwoord"


@pytest.fixture
def configured(contract_dir, tmp_path, monkeypatch):
    store = tmp_path / "store.sqlite"
    with open_store(store) as opened:
        for username, role in [("anna", "municipality"), ("rik", "ranger")]:
            opened.add_user(username, role=role, password=PASSWORD, created_by="test")
    monkeypatch.setenv("BUITENGEBIED_DATA_DIR", str(contract_dir))
    monkeypatch.setenv("BUITENGEBIED_STORE", str(store))
    monkeypatch.setenv("BUITENGEBIED_AS_OF", "2025-10-01T00:00:00+02:00")
    return store


def _logged_in(username: str, password: str = PASSWORD) -> AppTest:
    app = AppTest.from_file(str(MAIN), default_timeout=120).run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click().run()
    return app


def test_a_wrong_password_says_so_in_dutch(configured):
    app = _logged_in("anna", "fout")
    assert not app.exception
    assert app.error[0].value == "Gebruikersnaam of wachtwoord onjuist."


def test_the_municipality_sees_the_map_with_its_legend_and_markers(configured):
    app = _logged_in("anna")
    assert not app.exception
    assert [title.value for title in app.title] == ["Kaart"]
    captions = " ".join(caption.value for caption in app.caption)
    assert "Stand op 01-10-2025" in captions
    assert "adressen met het hoogste risico" in captions
    assert "legenda" in " ".join(markdown.value for markdown in app.markdown)
    sliders = {slider.label for slider in app.slider}
    assert "Afwijkend stroomverbruik" not in sliders  # energy: not the municipality's
    assert "Leegstaande gebouwen" in sliders


def test_a_ranger_sees_the_risk_per_cell_and_no_address(configured):
    app = _logged_in("rik")
    assert not app.exception
    captions = " ".join(caption.value for caption in app.caption)
    assert "geen gegevens per adres" in captions
    assert "Leegstaande gebouwen" not in {slider.label for slider in app.slider}


def test_a_broken_data_folder_gives_a_dutch_message_with_the_detail_unformatted(
    configured, contract_dir
):
    (contract_dir / "reports.csv").write_text("report_id,observed_at\n1,[:SS]*x*\n")
    app = _logged_in("anna")
    assert not app.exception
    assert app.error[0].value == "De kaart kan niet worden getekend."
    assert "reports.csv" in app.code[0].value
