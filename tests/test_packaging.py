"""A wheel built from the repository, installed without ``-e``, works from anywhere."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
RANK = ["rank", str(DEMO), "--as-of", "2026-11-01", "--model", "expert"]


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed")
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed from a freshly built wheel into a folder of its own."""
    root = tmp_path_factory.mktemp("packaging")
    dist, target = root / "dist", root / "site"
    uv = _uv()
    # sdist first, then the wheel from the sdist: what the sdist leaves out, the wheel lacks,
    # and no stale build/ folder of the checkout leaks into it.
    subprocess.run([uv, "build", "--quiet", "-o", str(dist), str(REPO)], check=True)
    [wheel] = dist.glob("*.whl")
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", sys.executable, "--no-deps"]
        + ["--target", str(target), str(wheel)],
        check=True,
    )
    return target


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed package's Python in ``cwd``, with nothing of the checkout on the path."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_wheel_ships_the_layer_files_and_py_typed(site: Path):
    package = site / "buitengebied"
    shipped = {p.name for p in (REPO / "src" / "buitengebied" / "layers").glob("*.toml")}
    assert shipped
    assert {p.name for p in (package / "layers").glob("*.toml")} == shipped
    assert (package / "py.typed").is_file()


def test_installed_wheel_ranks_the_demo_from_another_directory(site: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    installed = _run(site, elsewhere, "-m", "buitengebied", *RANK, "--out", "wheel.csv")
    assert installed.returncode == 0, installed.stderr
    checkout = subprocess.run(
        [sys.executable, "-m", "buitengebied", *RANK, "--out", str(tmp_path / "checkout.csv")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checkout.returncode == 0, checkout.stderr
    assert (elsewhere / "wheel.csv").read_bytes() == (tmp_path / "checkout.csv").read_bytes()


def test_installed_library_and_cli_load_no_streamlit(site: Path, tmp_path: Path):
    probe = (
        "import json, sys\n"
        "import buitengebied\n"
        "after_library = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')\n"
        "import buitengebied.cli\n"
        "after_cli = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')\n"
        "print(json.dumps([buitengebied.__file__, after_library, after_cli]))\n"
    )
    result = _run(site, tmp_path, "-c", probe)
    assert result.returncode == 0, result.stderr
    location, after_library, after_cli = json.loads(result.stdout)
    assert Path(location).is_relative_to(site)
    assert after_library == []
    assert after_cli == []
