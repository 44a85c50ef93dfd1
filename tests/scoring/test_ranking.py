"""Choosing the model that ranks (expert, learned or auto), and writing the ranking."""

import errno
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from buitengebied.errors import ContractError, OutputError
from buitengebied.load.directory import load_data_dir
from buitengebied.scoring import ranking as ranking_module
from buitengebied.scoring.ranking import rank_dataset, rank_directory, ranking_table, write_ranking
from buitengebied.settings import LOCAL_TIMEZONE
from buitengebied.timeutil import parse_as_of
from buitengebied_scenarios.generator import ScenarioParams, generate_scenario

DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
def rich_history(tmp_path_factory):
    params = ScenarioParams(n_addresses=800, n_hidden_sites=80, inspection_rate=0.3, seed=1)
    data_dir = tmp_path_factory.mktemp("rich") / "data"
    generate_scenario(data_dir, params)
    as_of = pd.Timestamp(params.end, tz=LOCAL_TIMEZONE).tz_convert("UTC")
    return load_data_dir(data_dir), as_of


def test_learned_model_ranks_with_contributions_that_add_up(rich_history):
    dataset, as_of = rich_history
    ranking = rank_dataset(dataset, as_of=as_of, model="learned")
    assert ranking.choice.kind == "learned"
    table = ranking.scores.table
    contributions = table[[f"contribution_{f}" for f in ranking.scores.factors]].sum(axis=1)
    np.testing.assert_allclose(contributions, table["score"], rtol=1e-9, atol=1e-12)
    assert list(ranking_table(ranking.scores)["rank"]) == list(range(1, len(table) + 1))
    assert (table.loc[table["score"] > 0, "top_factors"] != "").all()


def test_expert_request_never_fits_a_model(rich_history):
    dataset, as_of = rich_history
    ranking = rank_dataset(dataset, as_of=as_of, model="expert")
    assert ranking.choice.kind == "expert"
    assert ranking.scores is ranking.analysis.scores


def test_auto_gives_its_reason(rich_history):
    dataset, as_of = rich_history
    ranking = rank_dataset(dataset, as_of=as_of, model="auto")
    assert ranking.choice.kind in {"expert", "learned"}
    assert "average precision" in ranking.choice.reason


def test_unknown_model_is_refused(rich_history):
    dataset, as_of = rich_history
    with pytest.raises(ValueError, match="model must be one of"):
        rank_dataset(dataset, as_of=as_of, model="oracle")  # type: ignore[arg-type]


def _expert_ranking(data_dir, as_of="2025-10-01"):
    return rank_directory(data_dir, as_of=parse_as_of(as_of), model="expert")


def test_write_ranking_writes_the_contract_csv_and_a_meta_file_that_names_it(
    contract_dir, tmp_path
):
    ranking = _expert_ranking(contract_dir)
    out = tmp_path / "out" / "ranked.csv"
    assert write_ranking(ranking, out) == (out, tmp_path / "out" / "ranked.meta.json")
    ranked = pd.read_csv(out, dtype={"address_id": str})
    assert list(ranked.columns) == ["address_id", "score", "rank", "top_factors"]
    assert len(ranked) == len(ranking.analysis.dataset.addresses)
    meta = json.loads(out.with_suffix(".meta.json").read_text())
    assert meta["ranked_csv_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert meta["model"] == "expert" and meta["addresses"] == len(ranked)
    assert sorted(p.name for p in out.parent.iterdir()) == ["ranked.csv", "ranked.meta.json"]


def test_a_failed_write_replaces_neither_file(contract_dir, tmp_path, monkeypatch):
    ranking = _expert_ranking(contract_dir)
    out = tmp_path / "out" / "ranked.csv"
    out.parent.mkdir()
    out.write_text("old ranking\n")
    out.with_suffix(".meta.json").write_text("old meta\n")

    def disk_full_half_way(frame, path):
        path.write_text("address_id,score\n0000000000000007,")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ranking_module, "write_csv", disk_full_half_way)
    with pytest.raises(OutputError, match=r"ranked.csv: cannot write \(No space left on device\)"):
        write_ranking(ranking, out)
    assert out.read_text() == "old ranking\n"
    assert out.with_suffix(".meta.json").read_text() == "old meta\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["ranked.csv", "ranked.meta.json"]


def test_write_ranking_refuses_the_folder_of_its_input_files(contract_dir):
    ranking = _expert_ranking(contract_dir)
    before = {p.name: p.read_bytes() for p in contract_dir.iterdir()}
    with pytest.raises(ContractError, match="data directory"):
        write_ranking(ranking, contract_dir / "reports.csv")
    with pytest.raises(ContractError, match="data directory"):
        write_ranking(ranking, contract_dir / "ranked.csv")
    assert {p.name: p.read_bytes() for p in contract_dir.iterdir()} == before


def test_rank_directory_refuses_rejects_in_the_data_directory(contract_dir):
    with pytest.raises(ContractError, match="data directory"):
        rank_directory(
            contract_dir,
            as_of=parse_as_of("2025-10-01"),
            lenient=True,
            rejects_dir=contract_dir / "rejects",
        )
    assert not (contract_dir / "rejects").exists()
    strict = rank_directory(
        contract_dir, as_of=parse_as_of("2025-10-01"), model="expert", rejects_dir=contract_dir
    )  # nothing is written without --lenient: no reason to refuse
    assert strict.choice.kind == "expert"


_WRITER = """
import sys, time
from pathlib import Path
from buitengebied.scoring.ranking import rank_directory, write_ranking
from buitengebied.timeutil import parse_as_of

data_dir, as_of, out, alone, ready, go, times = sys.argv[1:]
ranking = rank_directory(Path(data_dir), as_of=parse_as_of(as_of), model="expert")
write_ranking(ranking, Path(alone))
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
for _ in range(int(times)):
    write_ranking(ranking, Path(out))
"""


@pytest.mark.slow
def test_two_runs_writing_the_same_out_each_leave_a_whole_file(tmp_path):
    """Two processes rewrite one ranked.csv 60 times each, starting at the same moment."""
    out, go = tmp_path / "ranked.csv", tmp_path / "go"
    as_ofs = ("2026-11-01", "2026-05-01")  # two rankings of different lengths
    alone = {as_of: tmp_path / as_of / "ranked.csv" for as_of in as_ofs}
    ready = {as_of: tmp_path / f"ready-{as_of}" for as_of in as_ofs}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WRITER,
                str(DEMO_DIR),
                as_of,
                str(out),
                str(alone[as_of]),
                str(ready[as_of]),
                str(go),
                "60",
            ]
        )
        for as_of in as_ofs
    ]
    while not all(path.exists() for path in ready.values()):
        assert all(run.poll() is None for run in runs), "a writer failed"
        time.sleep(0.05)
    go.touch()
    assert [run.wait() for run in runs] == [0, 0]
    csv_texts = [alone[as_of].read_bytes() for as_of in as_ofs]
    meta_texts = [alone[as_of].with_suffix(".meta.json").read_text() for as_of in as_ofs]
    assert len(csv_texts[0]) != len(csv_texts[1])
    assert out.read_bytes() in csv_texts
    meta = out.with_suffix(".meta.json").read_text()
    assert meta in meta_texts
    assert json.loads(meta)["ranked_csv_sha256"] in {
        hashlib.sha256(text).hexdigest() for text in csv_texts
    }
    leftovers = {p.name for p in tmp_path.iterdir() if p.is_file()}
    assert leftovers == {"go", "ranked.csv", "ranked.meta.json", *(p.name for p in ready.values())}
