"""``buitengebied plan``: the demo gives a valid plan; bad input exits 2 with a message."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import xmlschema
from typer.testing import CliRunner

from buitengebied.cli import app
from buitengebied.planning.teams import load_teams
from buitengebied.presentation.patrol_plan import read_night_plan

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
DEMO_TEAMS = ROOT / "data" / "demo-teams.toml"
GPX_XSD = ROOT / "tests" / "data" / "gpx" / "gpx.xsd"
runner = CliRunner()


def _checksums(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_demo_plan_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    before = _checksums(DEMO)
    args = ["plan", str(DEMO), "--night", "2026-11-06", "--teams", str(DEMO_TEAMS)]
    args += ["--out", str(out), "--time-limit", "1", "--max-candidates", "80"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _checksums(DEMO) == before
    teams = {team.name: team for team in load_teams(DEMO_TEAMS)}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["plan.gpkg", "plan.html", "plan.csv", "plan.json", *(f"{name}.gpx" for name in teams)]
    )
    layers = {name for name, _ in pyogrio.list_layers(out / "plan.gpkg")}
    assert layers == {"stops", "routes"}
    stops = gpd.read_file(out / "plan.gpkg", layer="stops")
    routes = gpd.read_file(out / "plan.gpkg", layer="routes")
    assert set(routes["team"]) == set(teams) and (routes["drive_minutes"] > 0).all()
    assert len(stops) > 0 and stops["address_id"].replace("", None).dropna().is_unique
    for row in stops.itertuples():
        team = teams[row.team]
        assert row.theme in team.focus
        assert not row.warnings or team.has_police
    green = stops[stops["team"] == "Groen 1"]
    assert len(green) > 0 and (green["address_id"].fillna("") == "").all()
    schema = xmlschema.XMLSchema(GPX_XSD)
    for name in teams:
        schema.validate(out / f"{name}.gpx")
    page = (out / "plan.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(teams)
    assert all(name in page for name in teams) and "@page" in page
    assert "http://" not in page and "https://" not in page  # works offline
    header = (out / "plan.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:4] == ["team", "order", "address_id", "place"]
    night = read_night_plan(out)
    assert night.night == dt.date(2026, 11, 6)
    assert list(night.stops["address_id"]) == list(stops["address_id"].fillna(""))
    assert list(night.stops["rank"]) == list(stops["rank"])
    assert (night.stops.loc[night.stops["address_id"] != "", "rank"] > 0).all()
    assert list(night.routes["drive_minutes"]) == pytest.approx(list(routes["drive_minutes"]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"teams": 'kind = "cop"'}, "is no team kind"),
        ({"night": "06-11-2026"}, "--night"),
        ({"out_in_data": True}, "refusing to write into the data directory"),
        (
            {"rules": "[[rule]]\nname = 'x'\nlabel = 'x'\nlayer = 'reprots'\n"},
            "did you mean 'reports'",
        ),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, change: dict[str, object], message: str) -> None:
    teams = tmp_path / "teams.toml"
    text = DEMO_TEAMS.read_text(encoding="utf-8")
    if "teams" in change:
        text = text.replace('kind = "police"', str(change["teams"]))
    teams.write_text(text, encoding="utf-8")
    out = DEMO / "plan" if change.get("out_in_data") else tmp_path / "plan"
    night = str(change.get("night", "2026-11-06"))
    args = ["plan", str(DEMO), "--night", night, "--teams", str(teams), "--out", str(out)]
    if "rules" in change:
        rules = tmp_path / "rules.toml"
        rules.write_text(str(change["rules"]), encoding="utf-8")
        args += ["--safety-rules", str(rules)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
