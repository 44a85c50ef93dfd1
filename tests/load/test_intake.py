from pathlib import Path

import pytest

from buitengebied.errors import ValidationError
from buitengebied.load.intake import preview_layer_file

GOOD = "report_id,observed_at,category,x,y\nr1,2026-10-01,poaching,230000,460000\n"


def test_a_good_file_has_no_problems(tmp_path: Path) -> None:
    path = tmp_path / "veldapp.csv"
    path.write_text(GOOD, encoding="utf-8")
    preview = preview_layer_file(path, "reports")
    assert (preview.rows, preview.problems) == (1, [])


def test_every_problem_is_listed_with_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "veldapp.csv"
    path.write_text(
        GOOD + "r2,morgen,poaching,230000,460000\nr3,2026-10-02,ufo,230000,460000\n",
        encoding="utf-8",
    )
    before = path.read_bytes()
    preview = preview_layer_file(path, "reports")
    found = {(p.row, p.column, p.value) for p in preview.problems}
    assert (2, "observed_at", "'morgen'") in found
    assert (3, "category", "'ufo'") in found
    assert path.read_bytes() == before


@pytest.mark.parametrize(("name", "layer"), [("x.csv", "energy"), ("x.txt", "reports")])
def test_other_layers_and_file_types_are_refused(tmp_path: Path, name: str, layer: str) -> None:
    path = tmp_path / name
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ValidationError, match="one of"):
        preview_layer_file(path, layer)
