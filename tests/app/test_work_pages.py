"""The pages' logic with Streamlit's AppTest: every role, the demo data, a real store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from buitengebied.store import open_store

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "src" / "buitengebied_app" / "main.py"
PASSWORD = "buitengebied-demo"
USERS = {
    "politie": "police",
    "gemeente": "municipality",
    "boswachter": "ranger",
    "beheerder": "admin",
}

pytestmark = [
    pytest.mark.slow,
    # rasterio.warp multiplies Affine objects with `*` (affine 3 warns); not our code.
    pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"),
]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("app") / "store.sqlite"
    with open_store(path) as store:
        for username, role in USERS.items():
            store.add_user(username, role=role, password=PASSWORD, created_by="test")
    return path


@pytest.fixture(autouse=True)
def configured(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "BUITENGEBIED_DATA_DIR", str(ROOT / "data" / "demo"))
    monkeypatch.setitem(os.environ, "BUITENGEBIED_STORE", str(store_path))
    monkeypatch.setitem(os.environ, "BUITENGEBIED_AS_OF", "2026-11-01T00:00:00+01:00")
    monkeypatch.setitem(os.environ, "BUITENGEBIED_TEAMS", str(ROOT / "data" / "demo-teams.toml"))


def _logged_in(username: str) -> AppTest:
    app = AppTest.from_file(str(MAIN), default_timeout=300)
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(PASSWORD)
    app.button[0].click()
    app.run()
    assert not app.exception
    return app


def _open(app: AppTest, page: str) -> AppTest:
    app.switch_page(f"pages/{page}.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_address_list_names_addresses_and_filters(store_path: Path) -> None:
    app = _open(_logged_in("gemeente"), "adressen")
    table = app.dataframe[0].value
    assert "adres" in table.columns and "woonplaats" in table.columns
    assert table["adres"].str.len().gt(0).all()
    place = table["woonplaats"].iloc[0]
    app.multiselect[0].select(place)
    app.run()
    assert (app.dataframe[0].value["woonplaats"] == place).all()


def test_a_bad_day_is_refused_not_kept(store_path: Path) -> None:
    app = _open(_logged_in("gemeente"), "adressen")
    before = len(app.dataframe[0].value)
    app.text_input(key="gecontroleerd_sinds").input("31-02-2026")
    app.run()
    assert any("bestaat niet" in e.value for e in app.error)
    assert len(app.dataframe[0].value) == before


def test_a_ranger_gets_no_address_list_and_no_planning() -> None:
    app = _logged_in("boswachter")
    for page in ("adressen", "patrouillenacht", "uitkomsten", "beheer"):
        with pytest.raises(ValueError, match="Known pages"):  # not in the navigation at all
            app.switch_page(f"pages/{page}.py")


def test_planning_a_night_saves_the_plan_and_withholds_warnings(store_path: Path) -> None:
    app = _open(_logged_in("gemeente"), "patrouillenacht")
    app.text_input(key="nacht").input("06-11-2026")
    app.slider[0].set_value(5)
    app.run()
    next(b for b in app.button if b.label == "Nacht plannen").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    plans = list((store_path.parent / "plans").iterdir())
    assert len(plans) == 1 and (plans[0] / "plan.json").is_file()
    shown = [frame.value for frame in app.dataframe]
    assert shown and all("waarschuwingen" in frame.columns for frame in shown)
    warnings = {w for frame in shown for w in frame["waarschuwingen"] if w}
    assert warnings and all("alleen voor de politie" in w for w in warnings)
    with open_store(store_path) as store:
        assert "plan night" in set(store.audit_entries()["action"])
