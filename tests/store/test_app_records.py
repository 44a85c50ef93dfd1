"""Store methods the app's pages use: photos, nearby and own reports, accounts, imports."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from buitengebied.errors import ValidationError
from buitengebied.io import RawLayer
from buitengebied.io.photo import clean_photo
from buitengebied.store import StoreError, open_store

REPORT = {"observed_at": "2026-11-01", "category": "chemical_smell", "confidence": "medium"}
X_M, Y_M = 230_000.0, 460_000.0
SINCE = datetime(2026, 10, 1, tzinfo=UTC)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_a_photo_is_stored_with_its_report(tmp_path: Path) -> None:
    photo = clean_photo(_jpeg())
    with open_store(tmp_path / "s.db") as store:
        with_photo = store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="b", photo=photo)
        without = store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="b")
        assert store.report_photo(with_photo) == photo.jpeg
        assert store.report_photo(without) is None


def test_nearby_open_reports_nearest_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        far = store.add_report(REPORT, x_m=X_M + 400, y_m=Y_M, created_by="a")
        near = store.add_report(REPORT, x_m=X_M + 50, y_m=Y_M, created_by="a")
        nearer = store.add_report(REPORT, x_m=X_M + 10, y_m=Y_M + 10, created_by="a")
        old = store.add_report(
            {**REPORT, "observed_at": "2025-01-01"}, x_m=X_M, y_m=Y_M, created_by="a"
        )
        store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="b", duplicate_of=near)
        found = store.reports_near(X_M, Y_M, radius_m=250, since=SINCE)
    assert list(found["report_id"]) == [nearer, near]
    assert found["distance_m"].tolist() == [14.0, 50.0]
    assert far not in set(found["report_id"]) and old not in set(found["report_id"])


def test_a_linked_repeat_counts_once_in_the_layer(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        first = store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="a")
        store.add_report(REPORT, x_m=X_M + 5, y_m=Y_M, created_by="b", duplicate_of=first)
        assert list(store.reports_layer()["report_id"]) == [first]
        assert len(store.reports_by("b")) == 1
        assert store.count("reports") == 2


def test_own_reports_only(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        mine = store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="boswachter")
        store.add_report(REPORT, x_m=X_M, y_m=Y_M, created_by="politie")
        assert list(store.reports_by("boswachter")["report_id"]) == [mine]


def test_accounts_change_with_an_audit_entry(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        store.add_user("piet", role="ranger", password="lang-genoeg-wachtwoord", created_by="adm")
        store.change_user("piet", changed_by="adm", role="boa")
        store.change_user("piet", changed_by="adm", active=False)
        users = store.users()
        assert "password_hash" not in users.columns
        row = users.set_index("username").loc["piet"]
        assert row["role"] == "boa" and not row["active"]
        audit = store.audit_entries()
        assert list(audit["action"][-2:]) == ["change user", "change user"]
        assert "role=boa" in audit["object"].iloc[-2]
        with pytest.raises(StoreError, match="no role"):
            store.change_user("piet", changed_by="adm", role="superuser")
        with pytest.raises(StoreError, match="no user"):
            store.change_user("klaas", changed_by="adm", active=True)


def _raw(rows: list[dict[str, object]], points: list[tuple[float, float]]) -> RawLayer:
    import shapely

    frame = pd.DataFrame(rows, dtype=object)
    geometry = np.array([shapely.Point(p) for p in points], dtype=object)
    return RawLayer(Path("veldapp.csv"), frame, geometry, "EPSG:28992", [])


def test_an_import_stores_every_row_or_none(tmp_path: Path) -> None:
    good = [
        {"report_id": f"v{k}", "observed_at": "2026-10-02", "category": "poaching"}
        for k in range(3)
    ]
    bad = [*good, {"report_id": "v9", "observed_at": "morgen", "category": "poaching"}]
    points = [(X_M + k, Y_M) for k in range(4)]
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(ValidationError) as caught:
            store.import_layer(_raw(bad, points), "reports", created_by="w")
        assert "morgen" in str(caught.value)
        assert store.count("reports") == 0
        assert store.import_layer(_raw(good, points[:3]), "reports", created_by="w") == 3
        assert store.count("reports") == 3
        with pytest.raises(StoreError):
            store.import_layer(_raw(good[:1], points[:1]), "reports", created_by="w")
        assert store.count("reports") == 3
        assert store.audit_entries()["action"].iloc[-1] == "import reports"
