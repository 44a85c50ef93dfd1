"""``buitengebied app`` and ``create-admin``: what they refuse before anything starts."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from buitengebied.cli import DEMO_ACCOUNTS, DEMO_MARKER, STREAMLIT_FLAGS, app, is_demo_data
from buitengebied.store.database import LoginStatus, open_store

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_demo_accounts_are_refused_on_a_data_folder_that_is_not_the_demo(contract_dir, tmp_path):
    store = tmp_path / "store.sqlite"
    result = runner.invoke(
        app, ["app", str(contract_dir), "--store", str(store), "--demo-accounts"]
    )
    assert result.exit_code == 2
    assert "bundled demo data only" in result.output
    assert not store.exists()


def test_a_copied_marker_with_other_text_is_no_demo(contract_dir):
    (contract_dir / DEMO_MARKER).write_text("trust me\n")
    assert not is_demo_data(contract_dir)
    assert is_demo_data(REPO / "data" / "demo")


def test_the_store_may_not_lie_in_the_data_folder(contract_dir):
    result = runner.invoke(app, ["app", str(contract_dir), "--store", str(contract_dir / "s.db")])
    assert result.exit_code == 2
    assert "refusing to write into the data directory" in result.output


def test_the_launcher_starts_streamlit_hardened_with_demo_accounts(tmp_path, monkeypatch):
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "data" / "demo", demo)
    started = {}
    monkeypatch.setattr(
        "buitengebied.cli.os.execve",
        lambda path, argv, env: started.update(argv=argv, env=env),
    )
    store = tmp_path / "store.sqlite"
    result = runner.invoke(
        app, ["app", str(demo), "--store", str(store), "--port", "8765", "--demo-accounts"]
    )
    assert result.exit_code == 0, result.output
    assert set(STREAMLIT_FLAGS) <= set(started["argv"])
    assert "--server.port=8765" in started["argv"]
    assert started["argv"][4].endswith("buitengebied_app/main.py")
    assert started["env"]["BUITENGEBIED_STORE"] == str(store.resolve())
    with open_store(store) as opened:
        for username, role in DEMO_ACCOUNTS.items():
            login = opened.authenticate(username, "buitengebied-demo")
            assert (login.status, login.role) == (LoginStatus.OK, role)


def test_the_streamlit_config_file_says_what_the_launcher_says():
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    for flag in STREAMLIT_FLAGS:
        section, rest = flag.removeprefix("--").split(".", 1)
        key, value = rest.split("=", 1)
        if section in config and key in config[section]:
            assert str(config[section][key]).lower() == value.strip('"').lower(), flag


def test_create_admin_reads_the_password_from_stdin_and_checks_it(tmp_path):
    store = tmp_path / "store.sqlite"
    args = ["create-admin", "--store", str(store), "--username", "root", "--password-stdin"]
    short = runner.invoke(app, args, input="kort\n")
    assert short.exit_code == 2
    assert "at least" in short.output
    made = runner.invoke(app, args, input="een-lang-wachtwoord\n")
    assert made.exit_code == 0, made.output
    again = runner.invoke(app, args, input="een-lang-wachtwoord\n")
    assert again.exit_code == 2
    with open_store(store) as opened:
        assert opened.authenticate("root", "een-lang-wachtwoord").role == "admin"
