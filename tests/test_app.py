"""The Streamlit front, run headless with Streamlit's own AppTest."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from buitengebied.scoring import ranking
from buitengebied.scoring.choice import DEFAULT_MODEL_KIND
from buitengebied.scoring.ranking import rank_directory

APP = Path(__file__).resolve().parents[1] / "app.py"


def test_app_ranks_a_data_directory(contract_dir):
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.sidebar.text_input[0].set_value(str(contract_dir))
    app.sidebar.date_input[0].set_value("2025-10-01")
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert table.iloc[0]["adres"] == "0000000000000007"
    assert "energy" in table.iloc[0]["belangrijkste factoren"]


def test_app_shows_a_clear_error_for_bad_input(tmp_path):
    (tmp_path / "addresses.csv").write_text("address_id,x,y\nA1,52.1,5.1\n")
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.sidebar.text_input[0].set_value(str(tmp_path))
    app.run()
    assert not app.exception
    assert "addresses.csv" in app.error[0].value


def test_app_ranks_with_the_default_model_of_the_cli(contract_dir, monkeypatch):
    asked = []

    def recording(data_dir, **options):
        asked.append(options["model"])
        return rank_directory(data_dir, **options)

    monkeypatch.setattr(ranking, "rank_directory", recording)
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.sidebar.text_input[0].set_value(str(contract_dir))
    app.run()
    assert not app.exception
    assert asked == [DEFAULT_MODEL_KIND]
    assert "model: expert" in app.caption[0].value  # auto falls back with few finds
