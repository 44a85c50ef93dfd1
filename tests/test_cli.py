import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import rasterio
from conftest import HOT_ADDRESS
from typer.testing import CliRunner

from buitengebied.cli import app, shown
from buitengebied.evidence.layerspec import is_modifier, load_layer_specs
from buitengebied.scoring import surface as surface_module

runner = CliRunner()
DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"


def checksums(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def rank_args(data_dir: Path, out: Path, *extra: str) -> list[str]:
    return ["rank", str(data_dir), "--as-of", "2025-10-01", "--out", str(out), *extra]


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def with_report_category(data_dir: Path, category: str) -> None:
    reports = pd.read_csv(data_dir / "reports.csv", dtype=str)
    reports.loc[1, "category"] = category
    reports.to_csv(data_dir / "reports.csv", index=False)


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


def test_rank_reports_how_far_the_model_moved_on_how_many_finds(contract_dir, tmp_path):
    out = tmp_path / "ranked.csv"
    args = ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)]
    result = runner.invoke(app, [*args, "--model", "learned"])
    assert result.exit_code == 0, result.output
    meta = json.loads(out.with_suffix(".meta.json").read_text())
    learned = meta["learned_model"]
    assert f"on {learned['finds']:.3g} confirmed finds the weights moved" in meta["model_reason"]
    assert meta["model_reason"] in " ".join(result.output.split())
    # Learned: the additive factors; the modifiers (a find, nothing found) are not learned.
    assert set(learned["weights"]) == {s.name for s in load_layer_specs() if not is_modifier(s)}
    for name, weights in learned["weights"].items():
        assert f"{name} {weights['expert']:.2f} -> {weights['learned']:.2f}" in meta["model_reason"]
    assert learned["expert_distance"] >= 0
    expert = runner.invoke(app, [*args, "--model", "expert"])
    assert expert.exit_code == 0
    assert "learned_model" not in json.loads(out.with_suffix(".meta.json").read_text())
    assert runner.invoke(app, [*args, "--model", "magic"]).exit_code == 2


# Outputs never land in the data directory.


@pytest.mark.parametrize("relative", ["reports.csv", "ranked.csv", "sub/../reports.csv"])
def test_rank_refuses_an_out_in_the_data_directory_before_reading(contract_dir, relative):
    # A broken file shows the refusal comes first: reading it would fail differently.
    (contract_dir / "dumpings.csv").write_text("not,a,layer\n1,2")
    before = checksums(contract_dir)
    result = runner.invoke(app, rank_args(contract_dir, contract_dir / relative))
    assert result.exit_code == 2
    assert "refusing to write into the data directory" in result.output
    assert "dumpings.csv" not in result.output
    assert checksums(contract_dir) == before


def test_rank_refuses_an_out_that_links_to_an_input(contract_dir, tmp_path):
    link = tmp_path / "ranked.csv"
    link.symlink_to(contract_dir / "reports.csv")
    before = checksums(contract_dir)
    result = runner.invoke(app, rank_args(contract_dir, link))
    assert result.exit_code == 2 and "data directory" in result.output
    assert checksums(contract_dir) == before and link.is_symlink()


def test_rank_refuses_rejects_in_the_data_directory(contract_dir, tmp_path):
    with_report_category(contract_dir, "aliens")
    before = checksums(contract_dir)
    out = tmp_path / "out" / "ranked.csv"
    for rejects in (contract_dir, contract_dir / "rejects"):
        result = runner.invoke(
            app, rank_args(contract_dir, out, "--lenient", "--rejects", str(rejects))
        )
        assert result.exit_code == 2 and "data directory" in result.output
        assert checksums(contract_dir) == before and not out.exists()


def test_surface_and_evaluate_refuse_outputs_in_the_data_directory(contract_dir):
    before = checksums(contract_dir)
    surface = runner.invoke(
        app, ["surface", str(contract_dir), "--out", str(contract_dir / "area.gpkg")]
    )
    assert surface.exit_code == 2 and "data directory" in surface.output
    for out_dir in (contract_dir, contract_dir / "evaluation"):
        evaluate = runner.invoke(app, ["evaluate", str(contract_dir), "--out-dir", str(out_dir)])
        assert evaluate.exit_code == 2 and "data directory" in evaluate.output
    assert checksums(contract_dir) == before


# Values are shown as they are.


@pytest.mark.parametrize("category", ["[/]", "[red]drug_waste[/red]", ":warning:"])
def test_validate_shows_a_value_as_it_is_never_as_markup(contract_dir, category):
    with_report_category(contract_dir, category)
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"'{category}'" in result.output


def test_rank_shows_a_markup_value_in_its_error_as_it_is(contract_dir, tmp_path):
    with_report_category(contract_dir, "[/]")
    result = runner.invoke(app, rank_args(contract_dir, tmp_path / "ranked.csv"))
    assert result.exit_code == 2
    assert "'[/]'" in result.output and error_lines(result)


def test_escape_sequences_in_a_file_name_are_shown_escaped(contract_dir):
    (contract_dir / "\x1b[31mevil.csv").write_text("a\n1\n")
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 0, result.output
    assert "\\x1b[31mevil.csv: ignored" in result.output
    assert "\x1b[31mevil" not in result.output


def test_shown_escapes_control_characters_and_keeps_text():
    assert shown("a\x1b[31mb\x07\x85\u202ec") == "a\\x1b[31mb\\x07\\x85\\u202ec"
    assert shown("line 1\n\tline 2 é €") == "line 1\n\tline 2 é €"


# Output errors are one clear line, exit 2, and leave old outputs as they were.


def test_out_onto_a_folder_is_a_clear_error(contract_dir, tmp_path):
    out = tmp_path / "ranked.csv"
    out.mkdir()
    result = runner.invoke(app, rank_args(contract_dir, out))
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: {out}: is a folder; give a file name for the output"]


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_ranking(
    contract_dir, tmp_path, monkeypatch
):
    out = tmp_path / "out" / "ranked.csv"
    assert runner.invoke(app, rank_args(contract_dir, out)).exit_code == 0
    before = checksums(out.parent)

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    result = runner.invoke(app, rank_args(contract_dir, out, "--as-of", "2025-06-01"))
    assert result.exit_code == 2
    assert error_lines(result) == [f"error: {out}: cannot write (No space left on device)"]
    assert checksums(out.parent) == before


@pytest.mark.parametrize("where", ["file", "proc"])
def test_an_unwritable_rejects_folder_is_a_clear_error(contract_dir, tmp_path, where):
    # Tests run as root, where a read-only mode does not stop a write: use paths that
    # cannot be created at all.
    (tmp_path / "file.txt").write_text("x")
    rejects = tmp_path / "file.txt" / "sub" if where == "file" else Path("/proc/buitengebied")
    with_report_category(contract_dir, "aliens")
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app, rank_args(contract_dir, out, "--lenient", "--rejects", str(rejects))
    )
    assert result.exit_code == 2, result.output
    [line] = error_lines(result)
    assert line.startswith(f"error: {rejects}: cannot write (")
    assert not out.exists()


def test_evaluate_into_a_path_under_a_file_is_a_clear_error(contract_dir, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    out_dir = tmp_path / "file.txt" / "evaluation"
    result = runner.invoke(
        app,
        ["evaluate", str(contract_dir), "--as-of", "2025-10-01", "--months", "4",
         "--horizon-days", "60", "--model", "expert", "--out-dir", str(out_dir)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    [line] = error_lines(result)
    assert line.startswith(f"error: {out_dir / 'backtest.csv'}: cannot write (")


@pytest.mark.slow
def test_a_killed_rank_leaves_the_old_or_the_complete_new_ranking(tmp_path):
    """SIGKILL ``rank`` over the demo at random moments and as it writes, six times."""
    command = [sys.executable, "-m", "buitengebied", "rank", str(DEMO_DIR), "--model", "expert"]
    contents = {}
    for name, as_of in (("old", "2026-05-01"), ("new", "2026-11-01")):
        subprocess.run(
            [*command, "--as-of", as_of, "--out", str(tmp_path / name / "ranked.csv")],
            check=True,
            capture_output=True,
        )
        contents[name] = checksums(tmp_path / name)
    assert contents["old"] != contents["new"]
    out_dir = tmp_path / "out"
    moments = random.Random(7)
    for attempt in range(6):
        out_dir.mkdir(exist_ok=True)
        for path in (tmp_path / "old").iterdir():
            (out_dir / path.name).write_bytes(path.read_bytes())
        run = subprocess.Popen(
            [*command, "--as-of", "2026-11-01", "--out", str(out_dir / "ranked.csv")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if attempt % 2:  # as soon as a temporary output appears: in the middle of writing
            while run.poll() is None and not any(p.name.startswith(".") for p in out_dir.iterdir()):
                time.sleep(0.0005)
            time.sleep(moments.uniform(0.0, 0.02))
        else:
            time.sleep(moments.uniform(0.0, 3.0))
        run.send_signal(signal.SIGKILL)
        run.wait()
        left = {k: v for k, v in checksums(out_dir).items() if not k.startswith(".")}
        assert left in (contents["old"], contents["new"]), f"attempt {attempt}"
        for path in out_dir.iterdir():
            path.unlink()


@pytest.mark.parametrize(
    ("free_bytes", "reason"),
    [(0, "No space left on device"), (10**12, "the GeoTIFF written does not read back whole")],
)
def test_a_geotiff_that_gdal_could_not_finish_is_a_clear_error(
    contract_dir, tmp_path, monkeypatch, free_bytes, reason
):
    # GDAL logs a failed tile write (a full disk) instead of raising: the file is cut short.
    out = tmp_path / "risk.tif"
    out.write_bytes(b"old surface")
    real_open = surface_module.rasterio.open

    @contextmanager
    def open_cut_short(path, mode="r", **profile):
        with real_open(path, mode, **profile) as dataset:
            yield dataset
        if mode == "w":
            os.truncate(path, Path(path).stat().st_size // 2)

    monkeypatch.setattr(surface_module.rasterio, "open", open_cut_short)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=free_bytes))
    args = ["surface", str(contract_dir), "--as-of", "2025-10-01", "--cell-size", "10"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert error_lines(result) == [f"error: {out}: cannot write ({reason})"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "risk.tif"]
    assert out.read_bytes() == b"old surface"


def test_rank_adds_the_reports_of_the_apps_store(contract_dir, tmp_path):
    from buitengebied.load.directory import load_data_dir
    from buitengebied.store import open_store

    addresses = load_data_dir(contract_dir).addresses.set_index("address_id")
    quiet = str(addresses.index[-1])
    point = addresses.loc[quiet].geometry
    store = tmp_path / "store.sqlite"
    with open_store(store) as opened:
        for k in range(4):
            opened.add_report(
                {"observed_at": "2025-09-20", "category": "chemical_smell"},
                x_m=point.x + k,
                y_m=point.y,
                created_by="boswachter",
            )
    scores = {}
    for name, extra in {"files": [], "store": ["--store", str(store)]}.items():
        out = tmp_path / f"{name}.csv"
        args = ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)]
        args += ["--model", "expert", *extra]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        scores[name] = pd.read_csv(out, dtype={"address_id": str}).set_index("address_id")
    assert scores["store"].loc[quiet, "score"] > scores["files"].loc[quiet, "score"]
    assert "reports" in scores["store"].loc[quiet, "top_factors"]
    missing = runner.invoke(
        app,
        [
            "rank",
            str(contract_dir),
            "--out",
            str(tmp_path / "x.csv"),
            "--store",
            str(tmp_path / "nee.sqlite"),
        ],
    )
    assert missing.exit_code == 2 and "no such store" in missing.output
