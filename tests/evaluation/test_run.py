"""A whole evaluation as one library call: load, backtest, four files written atomically."""

import errno
import os

import pandas as pd
import pytest

from buitengebied.errors import ContractError, OutputError
from buitengebied.evaluation.run import EVALUATION_FILES, run_evaluation
from buitengebied.timeutil import parse_as_of

OPTIONS = {"as_of": parse_as_of("2025-10-01"), "months": 4, "horizon_days": 60, "model": "expert"}


def test_run_evaluation_backtests_and_writes_its_four_files(contract_dir, tmp_path):
    out_dir = tmp_path / "evaluation"
    evaluation = run_evaluation(contract_dir, out_dir=out_dir, **OPTIONS)
    assert evaluation.files == [out_dir / name for name in EVALUATION_FILES]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(EVALUATION_FILES)
    result = evaluation.result
    assert len(result.cutoffs) == 3 and result.n_addresses == 36
    assert result.model_methods == ["expert"]
    table = pd.read_csv(out_dir / "backtest.csv")
    assert len(table) == len(result.per_cutoff)
    assert "<html" in (out_dir / "report.html").read_text(encoding="utf-8").lower()


def test_run_evaluation_refuses_outputs_in_the_data_directory_before_reading(contract_dir):
    (contract_dir / "dumpings.csv").write_text("broken\n")
    for out_dir in (contract_dir, contract_dir / "evaluation"):
        with pytest.raises(ContractError, match="data directory"):
            run_evaluation(contract_dir, out_dir=out_dir, **OPTIONS)
    with pytest.raises(ContractError, match="data directory"):
        run_evaluation(
            contract_dir,
            out_dir=contract_dir.parent / "eval",
            lenient=True,
            rejects_dir=contract_dir,
            **OPTIONS,
        )
    assert not (contract_dir / "evaluation").exists()


def test_an_unknown_model_is_refused_before_reading(contract_dir, tmp_path):
    (contract_dir / "dumpings.csv").write_text("broken\n")
    with pytest.raises(ValueError, match="model must be one of"):
        run_evaluation(contract_dir, out_dir=tmp_path, **{**OPTIONS, "model": "oracle"})


def test_a_refused_write_names_the_file_and_keeps_the_old_one(contract_dir, tmp_path, monkeypatch):
    out_dir = tmp_path / "evaluation"
    out_dir.mkdir()
    (out_dir / "backtest.csv").write_text("old\n")

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OutputError, match=r"backtest.csv: cannot write \(No space left"):
        run_evaluation(contract_dir, out_dir=out_dir, **OPTIONS)
    assert sorted(p.name for p in out_dir.iterdir()) == ["backtest.csv"]
    assert (out_dir / "backtest.csv").read_text() == "old\n"
