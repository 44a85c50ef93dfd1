import json

import pandas as pd
import rasterio
from conftest import HOT_ADDRESS
from typer.testing import CliRunner

from buitengebied.cli import app

runner = CliRunner()


def test_rank_writes_the_contract_csv(contract_dir, tmp_path):
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app, ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    ranked = pd.read_csv(out, dtype={"address_id": str})
    assert list(ranked.columns) == ["address_id", "score", "rank", "top_factors"]
    assert ranked.loc[0, "address_id"] == HOT_ADDRESS
    assert ranked["address_id"].str.startswith("0000").all()
    meta = json.loads(out.with_suffix(".meta.json").read_text())
    assert "energy" in meta["layers_used"]


def test_bad_input_exits_non_zero_with_file_row_and_column(contract_dir, tmp_path):
    reports = pd.read_csv(contract_dir / "reports.csv", dtype=str)
    reports.loc[1, "category"] = "aliens"
    reports.loc[2, "observed_at"] = "gisteren"
    reports.to_csv(contract_dir / "reports.csv", index=False)
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app, ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "reports.csv" in result.output
    assert "row 2: column 'category'" in result.output and "'aliens'" in result.output
    assert "row 3: column 'observed_at'" in result.output
    assert not out.exists()


def test_lenient_rank_writes_rejects(contract_dir, tmp_path):
    reports = pd.read_csv(contract_dir / "reports.csv", dtype=str)
    reports.loc[1, "category"] = "aliens"
    reports.to_csv(contract_dir / "reports.csv", index=False)
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app, ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out), "--lenient"]
    )
    assert result.exit_code == 0, result.output
    rejects = pd.read_csv(tmp_path / "rejects" / "reports.rejects.csv", dtype=str)
    assert list(rejects["row"]) == ["2"] and "aliens" in rejects.loc[0, "reasons"]


def test_surface_writes_a_geotiff_in_rd_new(contract_dir, tmp_path):
    out = tmp_path / "risk.tif"
    result = runner.invoke(
        app,
        [
            "surface",
            str(contract_dir),
            "--as-of",
            "2025-10-01",
            "--cell-size",
            "100",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with rasterio.open(out) as raster:
        assert raster.crs.to_epsg() == 28992
        assert raster.res == (100.0, 100.0)
        risk = raster.read(1, masked=True)
        assert raster.descriptions[0] == "risk"
        assert "energy" in raster.descriptions
        row, col = raster.index(215_000 + 800, 450_000 + 800)  # the hot address
    assert risk.max() > 0
    assert risk[row, col] >= 0.8 * risk.max()


def test_validate_reports_problems_without_ranking(contract_dir):
    assert runner.invoke(app, ["validate", str(contract_dir)]).exit_code == 0
    (contract_dir / "dumpings.csv").write_text(
        "dumping_id,observed_at,lon,lat\nD1,2025-01-01,52.06,6.3\n"
    )
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 2
    assert "swapped" in result.output


def test_bad_as_of_is_a_clear_error(contract_dir, tmp_path):
    result = runner.invoke(
        app,
        ["rank", str(contract_dir), "--as-of", "next tuesday", "--out", str(tmp_path / "r.csv")],
    )
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_rank_reports_the_model_choice_and_falls_back_with_few_finds(contract_dir, tmp_path):
    out = tmp_path / "ranked.csv"
    args = ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)]
    result = runner.invoke(app, [*args, "--model", "learned"])
    assert result.exit_code == 0, result.output
    meta = json.loads(out.with_suffix(".meta.json").read_text())
    assert meta["model"] == "expert"
    assert "confirmed finds" in meta["model_reason"]
    assert runner.invoke(app, [*args, "--model", "magic"]).exit_code == 2
