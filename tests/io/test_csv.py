"""CSV layer files: one verdict on the encoding and NUL bytes of the whole file."""

from __future__ import annotations

from pathlib import Path

import pytest

from buitengebied.errors import ValidationError
from buitengebied.io import csv as csv_io
from buitengebied.io import read_layer_file

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
