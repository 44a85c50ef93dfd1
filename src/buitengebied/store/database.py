"""The store: reports, inspections, users and the audit log in one database (SQLAlchemy Core).

:func:`open_store` opens (or creates) a store and returns a :class:`Store`, the narrow
interface every caller uses; nothing else in the library talks to the database.

Tables are declared with portable Core types, so that a PostgreSQL/PostGIS URL can be a
second backend later; everything particular to SQLite sits in :func:`_sqlite_hooks` and
the audit log's triggers:

- every connection runs in WAL mode with a ``busy_timeout`` and foreign keys on;
- pysqlite's own transaction handling is switched off and every write transaction starts
  with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented recipe for controlling ``BEGIN``): a
  deferred read-then-write transaction ignores the timeout and loses writes under
  contention;
- triggers make the database itself refuse ``UPDATE`` and ``DELETE`` on the audit log.

Every write of a report or an inspection passes the data contract's validation
(:func:`buitengebied.load.validate.validate_layer`, on a one-row layer) and is refused with
the same :class:`~buitengebied.errors.RowProblem` messages as a bad file row.  A file
that is no store of this program (random bytes, another application's SQLite database, a
newer schema) or a damaged one gives a :class:`StoreError` naming the file.
"""

from __future__ import annotations

import functools
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import argon2
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy import event

from buitengebied.access import passwords
from buitengebied.access.roles import ROLE_NAMES, role_from
from buitengebied.contract import LAYER_SCHEMAS
from buitengebied.errors import BuitengebiedError, ValidationError
from buitengebied.io import RawLayer
from buitengebied.io.photo import CleanPhoto
from buitengebied.load.validate import validate_layer
from buitengebied.settings import WORKING_CRS

#: The schema this version writes and reads; a store with a higher one is refused.
SCHEMA_VERSION = 1
#: What the ``application`` entry of a store's ``store_meta`` table says.
APPLICATION = "buitengebied"
#: How long a connection waits for another one's write lock before it gives up.
BUSY_TIMEOUT_S = 30.0

_SQLITE_HEADER = b"SQLite format 3\x00"
#: Execution option that marks a connection's transactions as writes.
_WRITE_OPTION = "buitengebied_write"

_METADATA = sa.MetaData()

_META = sa.Table(
    "store_meta",
    _METADATA,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

_REPORTS = sa.Table(
    "reports",
    _METADATA,
    sa.Column("report_id", sa.String(200), primary_key=True),
    sa.Column("observed_at", sa.String(40), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("reporter_role", sa.String(40)),
    sa.Column("reporter_org", sa.Text),
    sa.Column("confidence", sa.String(20)),
    sa.Column("x", sa.Float, nullable=False),
    sa.Column("y", sa.Float, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("duplicate_of", sa.String(200), sa.ForeignKey("reports.report_id")),
)

_INSPECTIONS = sa.Table(
    "inspections",
    _METADATA,
    sa.Column("inspection_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address_id", sa.String(200), nullable=False),
    sa.Column("inspected_at", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

_USERS = sa.Table(
    "users",
    _METADATA,
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.String(40)),
)

_AUDIT = sa.Table(
    "audit_log",
    _METADATA,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("who", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("object", sa.Text, nullable=False),
)

_PHOTOS = sa.Table(
    "report_photos",
    _METADATA,
    sa.Column("report_id", sa.String(200), sa.ForeignKey("reports.report_id"), primary_key=True),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
)


def _refuse_on_audit_log(verb: str) -> sa.ExecutableDDLElement:
    """A trigger by which SQLite itself refuses ``verb`` (UPDATE, DELETE) on the audit log."""
    return sa.DDL(
        f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ).execute_if(dialect="sqlite")


event.listen(_AUDIT, "after_create", _refuse_on_audit_log("UPDATE"))
event.listen(_AUDIT, "after_create", _refuse_on_audit_log("DELETE"))

#: The contract columns each stored layer keeps, in the contract's order.
_LAYER_TABLES = {"reports": _REPORTS, "inspections": _INSPECTIONS}
_REPORT_LIST_COLUMNS = (
    "report_id",
    "observed_at",
    "category",
    "description",
    "created_by",
    "x",
    "y",
)


class StoreError(BuitengebiedError):
    """A store cannot be opened or written: the message names the file and the cause."""


class LoginStatus(StrEnum):
    """How a log-in attempt ended (:meth:`Store.authenticate`)."""

    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of one log-in attempt.

    Attributes
    ----------
    status : LoginStatus
        ``OK``, ``FAILED`` (unknown user, inactive account or wrong password: the caller
        cannot tell which) or ``LOCKED`` (too many failures; the password was not checked).
    username : str
        The stored user name on success, otherwise as typed.
    role : str or None
        The stored role on success.
    locked_until : datetime or None
        Until when the account is locked (``LOCKED``, or ``FAILED`` that locked it).
    """

    status: LoginStatus
    username: str
    role: str | None = None
    locked_until: datetime | None = None


@functools.cache
def _dummy_hash() -> str:
    """A hash checked when the user is unknown: an unknown name costs a wrong password's time."""
    return passwords.hash_password("no user has this password")


class Store:
    """An open store; create one with :func:`open_store`, close it with :meth:`close`.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The engine, with the backend's hooks installed.
    path : Path
        The database file (what messages and the layers' ``path`` name).
    """

    def __init__(self, engine: sa.Engine, path: Path) -> None:
        self._engine = engine
        self.path = path

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection of the store."""
        self._engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
        with (
            self._engine.connect().execution_options(**{_WRITE_OPTION: True}) as conn,
            conn.begin(),
        ):
            yield conn

    def add_report(
        self,
        values: Mapping[str, object],
        *,
        x_m: float,
        y_m: float,
        created_by: str,
        duplicate_of: str | None = None,
        photo: CleanPhoto | None = None,
    ) -> str:
        """Validate and store one report (and its photo); return its ``report_id``.

        Parameters
        ----------
        values : mapping
            The contract's ``reports`` columns (``observed_at``, ``category``, ...); a
            missing ``report_id`` is generated.
        x_m, y_m : float
            Where it was observed, in EPSG:28992 (metres).
        created_by : str
            The user who entered it.
        duplicate_of : str, optional
            The ``report_id`` of a stored report this one repeats.
        photo : CleanPhoto, optional
            A photo cleaned by :func:`buitengebied.io.photo.clean_photo`, stored in the same
            transaction.

        Returns
        -------
        str
            The stored report's id.

        Raises
        ------
        ValidationError
            A value breaks the data contract (same messages as a bad file row).
        StoreError
            The id is already stored, ``duplicate_of`` is unknown, or the write failed.
        """
        values = dict(values)
        if values.get("report_id") in (None, ""):
            values["report_id"] = f"app-{uuid.uuid4().hex}"
        row = self._validated_row("reports", values, shapely.Point(x_m, y_m))
        row.update(x=float(x_m), y=float(y_m), duplicate_of=duplicate_of)
        report_id = str(row["report_id"])
        photos = (
            [
                (
                    _PHOTOS,
                    {
                        "report_id": report_id,
                        "jpeg": photo.jpeg,
                        "width": photo.width,
                        "height": photo.height,
                    },
                )
            ]
            if photo is not None
            else []
        )
        self._insert(_REPORTS, row, created_by=created_by, what=f"report {report_id}", also=photos)
        return report_id

    def add_inspection(self, values: Mapping[str, object], *, created_by: str) -> int:
        """Validate and store one inspection; return its number in the store.

        Parameters
        ----------
        values : mapping
            The contract's ``inspections`` columns (``address_id``, ``inspected_at``,
            ``outcome``).
        created_by : str
            The user who entered it.

        Returns
        -------
        int
            The stored inspection's ``inspection_id``.

        Raises
        ------
        ValidationError
            A value breaks the data contract (same messages as a bad file row).
        StoreError
            The write failed.
        """
        row = self._validated_row("inspections", dict(values), None)
        key = self._insert(
            _INSPECTIONS, row, created_by=created_by, what=f"inspection at {row['address_id']}"
        )
        return int(key)

    def add_user(self, username: str, *, role: str, password: str, created_by: str) -> None:
        """Store a new, active user with an argon2 hash of ``password``.

        Raises
        ------
        StoreError
            The user name is empty or taken.
        """
        if not username.strip():
            raise StoreError(f"{self.path}: a user name may not be empty")
        row = {
            "username": username.strip(),
            "role": role,
            "password_hash": argon2.PasswordHasher().hash(password),
            "active": True,
            "failed_logins": 0,
        }
        self._insert(_USERS, row, created_by=created_by, what=f"user {row['username']}")

    def audit(self, *, who: str, action: str, obj: str) -> None:
        """Append one entry (who did ``action`` to ``obj``, now) to the audit log."""
        with self._errors(), self._write() as conn:
            _append_audit(conn, who=who, action=action, obj=obj)

    def audit_entries(self) -> pd.DataFrame:
        """Return the audit log in order: ``who``, ``at``, ``action``, ``object``."""
        query = sa.select(_AUDIT.c.who, _AUDIT.c.at, _AUDIT.c.action, _AUDIT.c.object)
        return self._read(query.order_by(_AUDIT.c.entry_id))

    def user(self, username: str) -> dict[str, Any] | None:
        """Return the stored row of ``username``, or ``None`` when there is none."""
        frame = self._read(sa.select(_USERS).where(_USERS.c.username == username))
        return None if frame.empty else frame.iloc[0].to_dict()

    def authenticate(
        self, username: str, password: str, *, now: datetime | None = None
    ) -> LoginResult:
        """Check a log-in; count failures, lock after too many and audit every attempt.

        The audit log gets ``login`` on success, ``login_failed`` on a failure and
        ``locked`` when an attempt meets a locked account or its failure locks it
        (:func:`buitengebied.access.passwords.locked_until`).  A success resets the
        count of failures and upgrades an outdated hash.

        Parameters
        ----------
        username, password : str
            What was typed (surrounding spaces of the name are ignored).
        now : datetime, optional
            The moment of the attempt (UTC); default now.

        Returns
        -------
        LoginResult
        """
        moment = now or datetime.now(UTC)
        name = username.strip()
        row = self.user(name) if name else None
        if row is None or not row["active"]:
            passwords.verify_password(_dummy_hash(), password)
            self.audit(who=name or "?", action="login_failed", obj=f"user {name}")
            return LoginResult(LoginStatus.FAILED, name)
        until = _moment(row["locked_until"])
        if until is not None and moment < until:
            self.audit(who=name, action="locked", obj=f"user {name}")
            return LoginResult(LoginStatus.LOCKED, name, locked_until=until)
        if passwords.verify_password(row["password_hash"], password):
            self._logged_in(name, row["password_hash"], password)
            return LoginResult(LoginStatus.OK, name, role=str(row["role"]))
        return self._failed_login(name, moment)

    def _logged_in(self, name: str, stored_hash: str, password: str) -> None:
        changes: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if passwords.needs_rehash(stored_hash):
            changes["password_hash"] = passwords.hash_password(password)
        with self._errors(), self._write() as conn:
            conn.execute(_USERS.update().where(_USERS.c.username == name).values(**changes))
            _append_audit(conn, who=name, action="login", obj=f"user {name}")

    def _failed_login(self, name: str, moment: datetime) -> LoginResult:
        with self._errors(), self._write() as conn:
            # Counted in SQL: two failures at once both count.
            conn.execute(
                _USERS.update()
                .where(_USERS.c.username == name)
                .values(failed_logins=_USERS.c.failed_logins + 1)
            )
            failures = int(
                conn.execute(
                    sa.select(_USERS.c.failed_logins).where(_USERS.c.username == name)
                ).scalar_one()
            )
            until = passwords.locked_until(failures, moment)
            _append_audit(conn, who=name, action="login_failed", obj=f"user {name}")
            if until is not None:
                conn.execute(
                    _USERS.update()
                    .where(_USERS.c.username == name)
                    .values(locked_until=until.isoformat())
                )
                _append_audit(conn, who=name, action="locked", obj=f"user {name}")
        return LoginResult(LoginStatus.FAILED, name, locked_until=until)

    def raw_layer(self, name: str) -> RawLayer:
        """Return the stored rows of layer ``name`` as a reader returns a file's rows.

        Parameters
        ----------
        name : str
            ``reports`` or ``inspections``.

        Returns
        -------
        RawLayer
            Text columns of the contract; points in EPSG:28992 for reports. A report
            linked to an earlier one (``duplicate_of``) is left out: it counts once.
        """
        schema = LAYER_SCHEMAS[name]
        table = _LAYER_TABLES[name]
        query = sa.select(table)
        if "duplicate_of" in table.c:
            # A report linked to an earlier one repeats it: it is evidence once, not twice.
            query = query.where(table.c.duplicate_of.is_(None))
        frame = self._read(query.order_by(*table.primary_key.columns))
        attributes = frame[[c.name for c in schema.columns]].astype(object)
        attributes = attributes.where(attributes.notna(), None).reset_index(drop=True)
        geometry = (
            shapely.points(frame["x"].to_numpy(float), frame["y"].to_numpy(float))
            if "x" in table.c
            else None
        )
        return RawLayer(self.path, attributes, geometry, WORKING_CRS, [])

    def reports_layer(self) -> pd.DataFrame:
        """Return the stored reports, typed as the loader types a ``reports`` file."""
        return self._layer("reports")

    def inspections_layer(self) -> pd.DataFrame:
        """Return the stored inspections, typed as the loader types an ``inspections`` file."""
        return self._layer("inspections")

    def report_photo(self, report_id: str) -> bytes | None:
        """Return the JPEG stored with report ``report_id``, or ``None``."""
        query = sa.select(_PHOTOS.c.jpeg).where(_PHOTOS.c.report_id == report_id)
        with self._errors(), self._engine.connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
        return None if found is None else bytes(found)

    def reports_near(
        self, x_m: float, y_m: float, *, radius_m: float, since: datetime
    ) -> pd.DataFrame:
        """Return the open reports within ``radius_m`` of a point, observed since ``since``.

        Open: not itself marked as a repeat of another report. Nearest first, with
        ``report_id``, ``observed_at``, ``category``, ``description``, ``created_by``,
        ``x``, ``y`` and ``distance_m``.
        """
        columns = [_REPORTS.c[name] for name in _REPORT_LIST_COLUMNS]
        query = sa.select(*columns).where(
            _REPORTS.c.duplicate_of.is_(None),
            _REPORTS.c.x.between(x_m - radius_m, x_m + radius_m),
            _REPORTS.c.y.between(y_m - radius_m, y_m + radius_m),
        )
        frame = self._read(query)
        observed = pd.to_datetime(frame["observed_at"], utc=True, format="ISO8601")
        distance = np.hypot(frame["x"].astype(float) - x_m, frame["y"].astype(float) - y_m)
        frame = frame.assign(distance_m=distance.round(0))
        keep = (distance <= radius_m) & (observed >= pd.Timestamp(since).tz_convert("UTC"))
        return frame[keep].sort_values("distance_m", kind="stable").reset_index(drop=True)

    def reports_by(self, username: str) -> pd.DataFrame:
        """Return the reports ``username`` entered, newest first (same columns as above)."""
        columns = [_REPORTS.c[name] for name in _REPORT_LIST_COLUMNS]
        query = sa.select(*columns, _REPORTS.c.duplicate_of).where(
            _REPORTS.c.created_by == username
        )
        return self._read(query.order_by(_REPORTS.c.created_at.desc()))

    def users(self) -> pd.DataFrame:
        """Return every account without its hash: ``username``, ``role``, ``active``, ..."""
        query = sa.select(
            _USERS.c.username,
            _USERS.c.role,
            _USERS.c.active,
            _USERS.c.failed_logins,
            _USERS.c.locked_until,
        )
        return self._read(query.order_by(_USERS.c.username))

    def change_user(
        self,
        username: str,
        *,
        changed_by: str,
        role: str | None = None,
        active: bool | None = None,
    ) -> None:
        """Change an account's role or whether it may log in, with an audit entry.

        Raises
        ------
        StoreError
            No such user, or ``role`` is no role.
        """
        changes: dict[str, object] = {}
        if role is not None:
            if role_from(role) is None:
                raise StoreError(
                    f"{self.path}: {role!r} is no role; expected one of {', '.join(ROLE_NAMES)}"
                )
            changes["role"] = role
        if active is not None:
            changes["active"] = bool(active)
        if not changes:
            return
        what = f"user {username}: " + ", ".join(f"{k}={v}" for k, v in changes.items())
        with self._errors(what), self._write() as conn:
            result = conn.execute(
                _USERS.update().where(_USERS.c.username == username).values(**changes)
            )
            if result.rowcount != 1:
                raise StoreError(f"{self.path}: there is no user {username!r}")
            _append_audit(conn, who=changed_by, action="change user", obj=what)

    def import_layer(self, raw: RawLayer, name: str, *, created_by: str) -> int:
        """Validate every row of a file of layer ``name``; store all of them or none.

        Parameters
        ----------
        raw : RawLayer
            The file as a reader read it (:func:`buitengebied.io.layer_file.read_layer_file`).
        name : str
            ``reports`` or ``inspections``.
        created_by : str
            Who imports.

        Returns
        -------
        int
            The number of rows stored.

        Raises
        ------
        ValidationError
            Any row breaks the contract (every problem is listed; nothing is stored).
        StoreError
            A row's id is already stored, or the write failed (nothing is stored).
        """
        schema = LAYER_SCHEMAS[name]
        validated = validate_layer(raw, schema)
        if validated.problems:
            raise ValidationError(raw.path, validated.problems)
        frame = validated.frame
        now = _now()
        rows = []
        for i in range(len(frame)):
            typed = frame.iloc[i]
            row = {c.name: _stored_value(typed.get(c.name)) for c in schema.columns}
            if name == "reports":
                point = frame.geometry.iloc[i]
                row.update(x=float(point.x), y=float(point.y))
            rows.append({**row, "created_by": created_by, "created_at": now})
        what = f"import of {len(rows)} {name} from {raw.path.name}"
        with self._errors(what), self._write() as conn:
            if rows:
                conn.execute(_LAYER_TABLES[name].insert(), rows)
            _append_audit(conn, who=created_by, action=f"import {name}", obj=what)
        return len(rows)

    def count(self, name: str) -> int:
        """Return the number of stored rows of layer ``name``."""
        table = _LAYER_TABLES[name]
        with self._errors(), self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    def _layer(self, name: str) -> pd.DataFrame:
        validated = validate_layer(self.raw_layer(name), LAYER_SCHEMAS[name])
        return validated.frame

    def _validated_row(
        self, name: str, values: dict[str, object], geometry: shapely.Geometry | None
    ) -> dict[str, object]:
        schema = LAYER_SCHEMAS[name]
        known = [c.name for c in schema.columns]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise StoreError(
                f"{self.path}: {name} has no column(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(c.name for c in schema.columns)}"
            )
        attributes = pd.DataFrame(
            {c: [None if values.get(c) is None else str(values[c])] for c in known}, dtype=object
        )
        raw = RawLayer(
            self.path,
            attributes,
            None if geometry is None else np.array([geometry], dtype=object),
            WORKING_CRS,
            [],
        )
        validated = validate_layer(raw, schema)
        if validated.problems:
            raise ValidationError(self.path, validated.problems)
        typed = validated.frame.iloc[0]
        return {c.name: _stored_value(typed[c.name]) for c in schema.columns}

    def _insert(
        self,
        table: sa.Table,
        row: dict[str, object],
        *,
        created_by: str,
        what: str,
        also: Sequence[tuple[sa.Table, dict[str, object]]] = (),
    ) -> int | str:
        """Insert ``row`` (then ``also``) and its audit entry in one write; return its key."""
        if "created_by" in table.c:
            row = {**row, "created_by": created_by, "created_at": _now()}
        with self._errors(what), self._write() as conn:
            result = conn.execute(table.insert().values(**row))
            for other, values in also:
                conn.execute(other.insert().values(**values))
            _append_audit(conn, who=created_by, action=f"create {table.name}", obj=what)
        key = result.inserted_primary_key
        assert key is not None
        return key[0]  # type: ignore[no-any-return]

    def _read(self, query: sa.Select[Any]) -> pd.DataFrame:
        with self._errors(), self._engine.connect() as conn:
            result = conn.execute(query)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    @contextmanager
    def _errors(self, what: str | None = None) -> Iterator[None]:
        """Name the file in every database error."""
        try:
            yield
        except sa.exc.IntegrityError as exc:
            about = f"{what}: " if what else ""
            raise StoreError(f"{self.path}: {about}refused ({exc.orig})") from exc
        except (sa.exc.DBAPIError, sqlite3.Error) as exc:
            cause = getattr(exc, "orig", exc)
            raise StoreError(f"{self.path}: the database failed ({cause})") from exc


def _stored_value(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _moment(value: object) -> datetime | None:
    """Read a stored ISO moment; empty values are ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    return datetime.fromisoformat(str(value))


def _append_audit(conn: sa.Connection, *, who: str, action: str, obj: str) -> None:
    conn.execute(_AUDIT.insert().values(who=who, at=_now(), action=action, object=obj))


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``, creating it when the file does not exist yet.

    Parameters
    ----------
    location : str or Path
        A file path (SQLite) or an SQLAlchemy URL (``sqlite:///...``).

    Returns
    -------
    Store
        The open store; close it (or use it as a context manager) when done.

    Raises
    ------
    StoreError
        The URL's backend is not supported yet, the folder does not exist, or the file
        is no store of this program, was written by a newer version, or is damaged (the
        message names the file).
    """
    url = _url(location)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise StoreError(f"{location}: only an SQLite file can hold a store so far")
    path = Path(url.database)
    _check_header(path)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
    _sqlite_hooks(engine)
    try:
        _prepare(engine, path)
    except (sa.exc.DBAPIError, sqlite3.Error) as exc:
        engine.dispose()
        cause = getattr(exc, "orig", exc)
        raise StoreError(f"{path}: damaged or not a buitengebied store ({cause})") from exc
    except StoreError:
        engine.dispose()
        raise
    return Store(engine, path)


def _url(location: str | Path) -> sa.URL:
    if isinstance(location, str) and "://" in location:
        return sa.make_url(location)
    return sa.URL.create("sqlite", database=str(Path(location)))


def _check_header(path: Path) -> None:
    """Refuse a missing folder, or an existing non-empty file that is no SQLite database."""
    if not path.parent.is_dir():
        raise StoreError(f"{path}: the folder {path.parent} does not exist")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        head = handle.read(len(_SQLITE_HEADER))
    if head != _SQLITE_HEADER:
        raise StoreError(f"{path}: not a buitengebied store (not an SQLite database)")


def _sqlite_hooks(engine: sa.Engine) -> None:
    """WAL, busy timeout, foreign keys on each connection; ``BEGIN IMMEDIATE`` for writes."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # pysqlite would emit its own BEGIN (deferred) and commit before DDL; SQLAlchemy
        # then emits BEGIN itself (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _prepare(engine: sa.Engine, path: Path) -> None:
    """Check an existing store, or create the tables in a new one."""
    with engine.connect() as conn:
        problems = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
        conn.rollback()
    if problems != ["ok"]:
        raise StoreError(f"{path}: damaged: integrity_check says {'; '.join(problems[:5])}")
    with engine.connect().execution_options(**{_WRITE_OPTION: True}) as conn, conn.begin():
        tables = set(sa.inspect(conn).get_table_names())
        if not tables:
            _METADATA.create_all(conn)
            conn.execute(
                _META.insert(),
                [
                    {"key": "application", "value": APPLICATION},
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                ],
            )
            return
        if _META.name not in tables:
            raise StoreError(
                f"{path}: not a buitengebied store (it holds the tables "
                f"{', '.join(sorted(tables))})"
            )
        meta = {str(k): str(v) for k, v in conn.execute(sa.select(_META.c.key, _META.c.value))}
        _check_meta(path, meta)
        # Tables added since schema 1 (report photos) are created in older stores.
        _METADATA.create_all(conn)


def _check_meta(path: Path, meta: dict[str, str]) -> None:
    if meta.get("application") != APPLICATION:
        raise StoreError(
            f"{path}: not a buitengebied store (application {meta.get('application')!r})"
        )
    version = meta.get("schema_version", "")
    if not version.isdigit():
        raise StoreError(f"{path}: damaged: schema version {version!r} is no number")
    if int(version) > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer buitengebied (store schema {version}; this version "
            f"reads up to {SCHEMA_VERSION}); update buitengebied to open it"
        )
