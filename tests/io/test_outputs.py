"""Where outputs may go: never into the data directory, never onto the wrong kind of path."""

import errno

import pytest

from buitengebied.errors import ContractError, OutputError
from buitengebied.io.outputs import check_output_path, output_errors


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "reports.csv").write_text("report_id\nR1\n")
    return folder


@pytest.mark.parametrize(
    "relative",
    ["reports.csv", "new.csv", "sub/ranked.csv", "sub/../reports.csv", "."],
)
def test_an_output_in_the_data_directory_is_refused(data_dir, relative):
    with pytest.raises(ContractError, match="refusing to write into the data directory"):
        check_output_path(data_dir / relative, data_dir=data_dir)


def test_links_and_dot_dot_are_resolved_before_the_check(data_dir, tmp_path):
    link = tmp_path / "ranked.csv"
    link.symlink_to(data_dir / "reports.csv")
    with pytest.raises(ContractError, match="data directory"):
        check_output_path(link, data_dir=data_dir)
    with pytest.raises(ContractError, match="data directory"):
        check_output_path(tmp_path / "elsewhere" / ".." / "data" / "x.csv", data_dir=data_dir)
    data_link = tmp_path / "data-link"
    data_link.symlink_to(data_dir)
    with pytest.raises(ContractError, match="data directory"):
        check_output_path(data_dir / "reports.csv", data_dir=data_link)
    with pytest.raises(ContractError, match="data directory"):
        check_output_path(data_link, data_dir=data_dir, folder=True)


def test_outputs_beside_the_data_directory_are_allowed(data_dir, tmp_path):
    check_output_path(tmp_path / "ranked.csv", data_dir=data_dir)
    check_output_path(tmp_path / "data-out" / "ranked.csv", data_dir=data_dir)
    check_output_path(tmp_path / "rejects", data_dir=data_dir, folder=True)


def test_an_output_of_the_wrong_kind_is_refused(data_dir, tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(ContractError, match="is a folder"):
        check_output_path(tmp_path / "out", data_dir=data_dir)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ContractError, match="not a folder"):
        check_output_path(tmp_path / "file.txt", data_dir=data_dir, folder=True)


def test_a_refused_write_names_the_target_and_the_reason(tmp_path):
    target = tmp_path / "ranked.csv"
    with pytest.raises(OutputError) as caught, output_errors(target):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(caught.value) == f"{target}: cannot write (No space left on device)"
    assert caught.value.errno == errno.ENOSPC
