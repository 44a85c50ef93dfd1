"""CSV: one verdict on a layer file's encoding and NUL bytes; verbatim and spreadsheet writers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from buitengebied.errors import ValidationError
from buitengebied.io import csv as csv_io
from buitengebied.io import read_layer_file, write_csv, write_spreadsheet_csv

HEADER = "report_id,observed_at,category,description,x,y\n"
MIB = 1 << 20


def report_line(number: int, description: str = "afval") -> str:
    return f"R{number:07d},2026-01-01,litter,{description},217000,452000\n"


def reports_past_one_mib(last_description: str) -> tuple[str, int]:
    """Reports whose plain rows fill more than a MiB, then one row with ``last_description``.

    Returns the text and the line number (header = line 1) of that last row.
    """
    lines = [HEADER]
    size = len(HEADER)
    while size <= MIB + 1000:
        lines.append(report_line(len(lines)))
        size += len(lines[-1])
    lines.append(report_line(len(lines), last_description))
    return "".join(lines), len(lines)


def test_windows_1252_whose_first_accent_lies_past_one_mib_is_read(tmp_path: Path) -> None:
    text, _ = reports_past_one_mib("café señor €5")
    path = tmp_path / "reports.csv"
    path.write_bytes(text.encode("cp1252"))
    assert path.read_bytes().index("é".encode("cp1252")) > MIB
    raw = read_layer_file(path, layer_name="reports")
    assert raw.attributes["description"].iloc[-1] == "café señor €5"
    assert raw.attributes["description"].iloc[0] == "afval"


def test_windows_1252_near_the_start_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_bytes((HEADER + report_line(1, "één")).encode("cp1252"))
    assert read_layer_file(path, layer_name="reports").attributes["description"].tolist() == ["één"]


def test_a_nul_byte_past_one_mib_is_refused_naming_its_line(tmp_path: Path) -> None:
    text, line = reports_past_one_mib("nul\x00byte")
    path = tmp_path / "reports.csv"
    path.write_bytes(text.encode("utf-8"))
    offset = path.read_bytes().index(b"\x00")
    assert offset > MIB
    with pytest.raises(ValidationError) as caught:
        read_layer_file(path, layer_name="reports")
    message = str(caught.value)
    assert "NUL" in message
    assert f"line {line:,}" in message
    assert f"byte {offset:,}" in message


def test_a_nul_byte_in_the_header_names_line_one(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_bytes(b"report\x00_id,x,y\nR1,217000,452000\n")
    with pytest.raises(ValidationError, match=r"NUL.*line 1\b"):
        read_layer_file(path, layer_name="reports")


def test_bytes_neither_utf8_nor_windows_1252_are_refused_naming_their_line(
    tmp_path: Path,
) -> None:
    text, line = reports_past_one_mib("bad-here")
    content = text.encode("utf-8").replace(b"bad-here", b"bad\x81here")
    path = tmp_path / "reports.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        read_layer_file(path, layer_name="reports")
    message = str(caught.value)
    assert "UTF-8 or Windows-1252" in message
    assert f"line {line:,}" in message
    bad = content.index(b"\x81")
    assert f"byte {bad:,}" in message


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 7, 64])
def test_utf8_characters_cut_by_a_chunk_boundary_are_still_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(csv_io, "_CHUNK_BYTES", chunk_bytes)
    description = "é€😀ß"  # two, three, four and two bytes in UTF-8
    path = tmp_path / "reports.csv"
    path.write_text(HEADER + report_line(1, description) * 3, encoding="utf-8")
    raw = read_layer_file(path, layer_name="reports")
    assert raw.attributes["description"].tolist() == [description] * 3


@pytest.mark.parametrize("chunk_bytes", [1, 3, 64])
def test_the_offset_of_a_bad_byte_is_the_files_whatever_the_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(csv_io, "_CHUNK_BYTES", chunk_bytes)
    content = (HEADER + report_line(1, "é") + report_line(2, "BAD")).encode("utf-8")
    content = content.replace(b"BAD", b"\x81")
    path = tmp_path / "reports.csv"
    path.write_bytes(content)
    bad = content.index(b"\x81")
    with pytest.raises(ValidationError, match=rf"line 3, byte {bad}\b"):
        read_layer_file(path, layer_name="reports")


# --- writing: program-readable outputs verbatim, human exports neutralised -----------------

FORMULA_IDS = ["-1+1", "A1;=3+3", '=HYPERLINK("x")', "@SUM(A1)", "\t=1", "plain"]


def written_ids(path: Path) -> list[str]:
    return pd.read_csv(path, dtype={"address_id": str}, keep_default_na=False)[
        "address_id"
    ].tolist()


def ranking_with(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            "address_id": ids,
            "score": np.linspace(-1.5, 46.78577310350218, n),
            "rank": np.arange(1, n + 1),
            "kwh": pd.Series([-12.5] * n, dtype=object),
        }
    )


@pytest.mark.parametrize("extra", [[], ["needs,quotes"]])  # Arrow's writer, then pandas'
def test_write_csv_keeps_formula_like_ids_verbatim(tmp_path: Path, extra: list[str]) -> None:
    frame = ranking_with(FORMULA_IDS + extra)
    target = tmp_path / "ranked.csv"
    write_csv(frame, target)
    assert written_ids(target) == FORMULA_IDS + extra
    back = pd.read_csv(target, float_precision="round_trip")
    np.testing.assert_array_equal(back["score"], frame["score"])
    np.testing.assert_array_equal(back["rank"], frame["rank"])
    assert back["kwh"].tolist() == [-12.5] * len(frame)


@pytest.mark.parametrize("extra", [[], ["needs,quotes"]])
def test_write_spreadsheet_csv_neutralises_formulas_also_after_a_separator(
    tmp_path: Path, extra: list[str]
) -> None:
    frame = ranking_with(FORMULA_IDS + extra)
    target = tmp_path / "export.csv"
    write_spreadsheet_csv(frame, target)
    assert written_ids(target) == [
        "'-1+1",
        "A1;'=3+3",
        '\'=HYPERLINK("x")',
        "'@SUM(A1)",
        "'\t'=1",
        "plain",
        *extra,
    ]
    back = pd.read_csv(target, float_precision="round_trip")
    np.testing.assert_array_equal(back["score"], frame["score"])
    assert back["kwh"].tolist() == [-12.5] * len(frame)  # numbers stay numbers


@pytest.mark.parametrize(
    ("text", "neutralised"),
    [
        ("x, -5", "x, '-5"),
        ('a;"=1', "a;\"'=1"),
        ("a; +1", "a; '+1"),
        ("line\n@x", "line\n'@x"),
        ("a-b+c", "a-b+c"),
        ("energy;reports", "energy;reports"),
        ("", ""),
    ],
)
def test_what_a_spreadsheet_could_run_is_neutralised(text: str, neutralised: str) -> None:
    assert csv_io._neutralised(text) == neutralised


def test_spreadsheet_cells_split_at_semicolons_run_no_formula(tmp_path: Path) -> None:
    frame = pd.DataFrame({"address_id": FORMULA_IDS, "note": ["a;-1", "b", "c", "d", "e", "f"]})
    target = tmp_path / "export.csv"
    write_spreadsheet_csv(frame, target)
    # As Excel in a Dutch locale opens a CSV: every ';' and ',' splits a cell.
    text = target.read_text(encoding="utf-8")
    cells = re.split(r"[;,\n]", text.replace('"', ""))
    assert not [cell for cell in cells if cell.lstrip(" ").startswith(("=", "+", "-", "@"))]


def test_a_failing_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ranked.csv"
    target.write_text("old\n")

    def half_then_fail(frame: pd.DataFrame, handle: object) -> None:
        handle.write(b"address_id,score\n0001,")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv_io, "_write_frame", half_then_fail)
    for writer in (write_csv, write_spreadsheet_csv):
        with pytest.raises(OSError):
            writer(ranking_with(["0001"]), target)
        assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ranked.csv"]
