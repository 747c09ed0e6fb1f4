"""Backup and restore as an operator runs them: `manage.py backup DIR` on a working
installation, `manage.py restore DIR` into an empty database, and the restored system's audit
chain verifies and holds the same appeals. On SQLite always; on PostgreSQL when the suite runs
there (DATABASE_URL), into databases of its own."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parent.parent
COUNT = "from lianxin.appeals.models import Appeal; print('appeals', Appeal.objects.count())"


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def base_env(tmp_path: Path, name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    # Each side has its own var/ (its own keys), but the audit log's key is kept apart from
    # the backup and brought back by the operator: the restored log verifies only with it.
    return {
        **env,
        "LIANXIN_VAR_DIR": str(tmp_path / name),
        "LIANXIN_KEY_AUDIT_LOG": "the audit log's key, kept apart from the backups",
    }


def round_trip(source: dict, target: dict, folder: Path) -> None:
    for step in (("migrate", "--noinput", "-v0"), ("load_demo", "--appeals", "20", "--quiet")):
        done = manage(source, *step)
        assert done.returncode == 0, done.stderr
    before = manage(source, "shell", "-c", COUNT).stdout.split()[-1]
    done = manage(source, "backup", str(folder))
    assert done.returncode == 0, done.stderr
    assert manage(source, "backup", str(folder)).returncode != 0  # never over an older backup

    done = manage(target, "restore", str(folder))
    assert done.returncode == 0, done.stderr
    assert "audit log intact" in done.stdout
    assert manage(target, "shell", "-c", COUNT).stdout.split()[-1] == before
    # A second restore is refused: the database is no longer empty.
    again = manage(target, "restore", str(folder))
    assert again.returncode != 0 and "not empty" in again.stderr


def test_backup_and_restore_on_sqlite(tmp_path):
    round_trip(base_env(tmp_path, "source"), base_env(tmp_path, "target"), tmp_path / "backup")
    assert oct((tmp_path / "backup").stat().st_mode & 0o777) == "0o700"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs in the PostgreSQL pass of CI (DATABASE_URL)",
)
def test_backup_and_restore_on_postgresql(tmp_path):
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    names = [f"lianxin_bk_{uuid.uuid4().hex[:8]}_{side}" for side in ("src", "dst")]
    for name in names:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        source, target = (
            {**base_env(tmp_path, side), "DATABASE_URL": f"{base}/{name}"}
            for side, name in zip(("source", "target"), names, strict=True)
        )
        round_trip(source, target, tmp_path / "backup")
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
