"""The data-directory checks through the command line: exit code 2 and a message, no traceback."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buitengebied.cli import app

runner = CliRunner()


def test_validate_fails_on_a_misspelt_layer(contract_dir: Path) -> None:
    (contract_dir / "reports.csv").rename(contract_dir / "report.csv")
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 2, result.output
    assert "report.csv" in result.output
    assert "did you mean reports.csv?" in result.output
    assert "addresses.csv: ok" in result.output
    assert "Traceback" not in result.output


def test_validate_passes_a_clean_directory_with_notes(contract_dir: Path) -> None:
    (contract_dir / "README.txt").write_text("notes")
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 0, result.output
    assert "README.txt: ignored (not a contract layer)" in result.output


def test_rank_ignores_a_misspelt_layer_with_a_warning(
    contract_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (contract_dir / "vacant_buildings.geojson").rename(contract_dir / "vacant_building.geojson")
    out = tmp_path / "ranked.csv"
    # The installed command sends warnings to stderr (cli.main); the runner calls the app.
    with caplog.at_level(logging.WARNING):
        result = runner.invoke(
            app, ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)]
        )
    assert result.exit_code == 0, result.output
    assert "did you mean vacant_buildings.geojson?" in caplog.text
    assert "ignored (not a contract layer): vacant_building.geojson" in result.output
    meta = json.loads(out.with_suffix(".meta.json").read_text())
    assert "vacant_buildings" not in meta["layers_used"] and "reports" in meta["layers_used"]


def test_the_installed_command_prints_the_warning(contract_dir: Path, tmp_path: Path) -> None:
    (contract_dir / "reports.csv").rename(contract_dir / "report.csv")
    command = Path(sys.executable).with_name("buitengebied")
    out = tmp_path / "ranked.csv"
    result = subprocess.run(
        [str(command), "rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING: report.csv: not a contract layer, ignored; did you mean reports.csv?" in (
        result.stderr
    )


def test_validate_and_rank_refuse_a_fifo_layer_file(contract_dir: Path, tmp_path: Path) -> None:
    (contract_dir / "reports.csv").unlink()
    os.mkfifo(contract_dir / "reports.csv")
    for command in (
        ["validate", str(contract_dir)],
        ["rank", str(contract_dir), "--as-of", "2025-10-01", "--out", str(tmp_path / "r.csv")],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "reports.csv: a named pipe (FIFO), not a regular file" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "r.csv").exists()


def test_validate_refuses_a_directory_and_a_link_to_dev_zero(contract_dir: Path) -> None:
    (contract_dir / "reports.csv").unlink()
    (contract_dir / "reports.csv").mkdir()
    (contract_dir / "dumpings.csv").unlink()
    (contract_dir / "dumpings.csv").symlink_to("/dev/zero")
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "reports.csv: a directory, not a regular file" in output
    assert "dumpings.csv: a symbolic link to /dev/zero, a character device" in output


def test_validate_refuses_a_dangling_link(contract_dir: Path) -> None:
    (contract_dir / "energy.csv").unlink()
    (contract_dir / "energy.csv").symlink_to(contract_dir / "gone.csv")
    result = runner.invoke(app, ["validate", str(contract_dir)])
    assert result.exit_code == 2, result.output
    assert "energy.csv: a dangling symbolic link" in " ".join(result.output.split())
