import importlib.util
import math
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HOT_ADDRESS, write_contract_dir
from typer.testing import CliRunner

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "evaluate_worlds.py"
AS_OF = "2025-10-01"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("evaluate_worlds", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluate_worlds"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["evaluate_worlds"]


def truth_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (HOT_ADDRESS, "drug_lab", "2025-03-01", "", ""),  # active: the target
            ("0000000000000003", "cannabis_grow", "2025-01-01", "2025-10-01", ""),  # last day
            ("0000000000000004", "storage", "2025-01-01", "2025-09-30", ""),  # ended before
            ("0000000000000005", "drug_lab", "2025-01-01", "", "2025-09-01"),  # found before
            ("0000000000000006", "drug_lab", "2025-01-01", "", "2025-10-01"),  # found on as_of
            ("0000000000000008", "storage", "2025-10-02", "", ""),  # starts later
        ],
        columns=["address_id", "site_kind", "active_from", "active_to", "found_on"],
    )


@pytest.fixture
def fake_worlds(monkeypatch):
    """A stand-in for buitengebied_worlds with its interface: KINDS, generate_world, World."""
    module = types.ModuleType("buitengebied_worlds")
    calls = []

    @dataclass(frozen=True)
    class World:
        kind: str
        seed: int
        data_dir: Path
        truth_path: Path
        as_of: str

    def generate_world(kind, *, seed, out_dir, n_addresses=None):
        calls.append((kind, seed, n_addresses))
        out_dir = Path(out_dir)
        data_dir = write_contract_dir(out_dir / "data")
        truth_path = out_dir / "truth.csv"
        rows = truth_rows() if kind != "no_targets" else truth_rows().iloc[2:3]
        rows.to_csv(truth_path, index=False)
        return World(kind, seed, data_dir, truth_path, AS_OF)

    module.KINDS = ("mixed", "no_targets")
    module.World = World
    module.generate_world = generate_world
    monkeypatch.setitem(sys.modules, "buitengebied_worlds", module)
    return calls


def test_targets_are_sites_active_on_as_of_and_not_found_before(harness, tmp_path):
    path = tmp_path / "truth.csv"
    truth_rows().to_csv(path, index=False)
    targets = harness.read_targets(path, as_of=AS_OF)
    assert list(targets) == ["0000000000000003", "0000000000000006", HOT_ADDRESS]


def test_scores_on_a_known_ranking(harness):
    ids = [f"{k:03d}" for k in range(100)]
    scores = pd.Series(np.arange(100, 0, -1, dtype=float), index=ids)
    # Targets at rank 1 and 10 of 100: one of two in the top 5, one in the top 1.
    metrics = harness.score_ranking(scores, pd.Index(["000", "009", "not ranked"]))
    assert metrics["pai_5pct"] == pytest.approx(0.5 / 0.05)
    assert metrics["average_precision"] == pytest.approx((1 / 1 + 2 / 10) / 2)
    assert metrics["hit_share_top1pct"] == pytest.approx(0.5)
    # Ties are broken by address_id, as rank does: "000" first.
    tied = harness.score_ranking(scores.clip(upper=90.0), pd.Index(["000"]))
    assert tied["hit_share_top1pct"] == 1.0
    constant = harness.score_ranking(pd.Series(1.0, index=ids), pd.Index(["000"]))
    assert all(math.isnan(v) for v in constant.values())


def test_gen1_truth_in_the_shared_columns(harness):
    hidden = pd.DataFrame(
        {
            "address_id": ["a", "b"],
            "site_type": ["drug_lab", "storage"],
            "active_from": pd.to_datetime(["2025-01-02", "2025-03-04"]),
            "active_until": pd.to_datetime(["2025-05-06", None]),
            "found_at": pd.to_datetime(["2025-05-06", None]),
        }
    )
    assert harness.gen1_truth(hidden).to_dict("list") == {
        "address_id": ["a", "b"],
        "site_kind": ["drug_lab", "storage"],
        "active_from": ["2025-01-02", "2025-03-04"],
        "active_to": ["2025-05-06", ""],
        "found_on": ["2025-05-06", ""],
    }


def test_gen2_is_skipped_with_a_message_when_not_installed(harness, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "buitengebied_worlds", None)
    tasks, skipped = harness.plan_tasks(
        [harness.IndependentWorlds()],
        kinds=None,
        seeds=[1],
        n_random=0,
        work_dir=tmp_path,
        n_addresses=None,
        gen1_sites=10,
    )
    assert tasks == [] and len(skipped) == 1
    assert "gen2 skipped" in skipped[0] and "not installed" in skipped[0]


def test_harness_scores_every_ranking_and_caches_the_worlds(harness, fake_worlds, tmp_path):
    out = tmp_path / "report" / "results.md"
    args = ["--generator", "gen2", "--seeds", "1", "--random", "1"]
    args += ["--work-dir", str(tmp_path / "cache"), "--out", str(out)]
    first = CliRunner().invoke(harness.app, args)
    assert first.exit_code == 0, first.output
    assert sorted(fake_worlds) == [
        ("mixed", 1, None),
        ("no_targets", 1, None),
        ("random", 1000, None),
    ]
    results = pd.read_csv(out.with_suffix(".csv"), dtype={"address_id": str})
    mixed = results[results["kind"] == "mixed"].set_index("method")
    assert {"engine_default", "engine_expert", "vacant_and_large", "naive_z_sum"} <= set(
        mixed.index
    )
    # Targets: HOT_ADDRESS, 3 and 6 of 36 addresses; the top 5 % is 2 addresses.
    assert (mixed["n_targets"] == 3).all() and (mixed["n_addresses"] == 36).all()
    # The contract directory's hot address is the engine's riskiest and on the register.
    assert mixed.loc["engine_expert", "hit_share_top1pct"] == pytest.approx(1 / 3)
    assert mixed.loc["vacant_and_large", "hit_share_top1pct"] == pytest.approx(1 / 3)
    assert results.loc[results["kind"] == "no_targets", "pai_5pct"].isna().all()
    report = out.read_text(encoding="utf-8")
    assert "## gen2: PAI@5% / AP" in report and "| mixed | 3.0 |" in report
    assert "## gen2: 1 random-parameter worlds" in report
    assert report in first.output.replace("\r", "")

    second = CliRunner().invoke(harness.app, args)
    assert second.exit_code == 0, second.output
    assert len(fake_worlds) == 3  # nothing generated again
    assert "| gen2 | mixed | 1 | 36 | 3 | cached |" in out.read_text(encoding="utf-8")
