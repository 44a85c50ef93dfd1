import os
import stat

import pytest

from buitengebied.io.atomic import atomic_output, atomic_path, write_text_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "ranked.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ranked.csv"]


def test_a_successful_write_replaces_the_file_whole_with_ordinary_permissions(tmp_path):
    target = tmp_path / "sub" / "meta.json"
    write_text_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in target.parent.iterdir()) == ["meta.json"]


def test_atomic_path_keeps_the_suffix_for_writers_that_choose_by_it(tmp_path):
    target = tmp_path / "risk.tif"
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".tif"
        temporary.write_bytes(b"tiff")
        assert not target.exists()
    assert target.read_bytes() == b"tiff"


def test_writing_never_touches_the_process_umask(tmp_path, monkeypatch):
    # The umask is shared by every thread (the app serves sessions from threads): an
    # output must not set it, even for a moment, to read it.
    def no_umask(mask):
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", no_umask)
    write_text_atomic(tmp_path / "meta.json", "{}\n")
    assert (tmp_path / "meta.json").read_text() == "{}\n"
