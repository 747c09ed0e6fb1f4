"""Backup and restore of one installation: the database and the uploaded files (MEDIA_ROOT).

A backup is a folder: `database.sqlite3` (SQLite's online backup, consistent while the server
runs) or `database.pgdump` (pg_dump's custom format), `media.tar` and `manifest.json`. It does
not hold the keys in var/keys/ nor SECRET_KEY: keep those apart (a thief of the backup must not
get them with it). A restore goes into an empty database; without the same keys the system
works, but query codes already given out and report receipts no longer match."""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from . import clock
from .models import AuditEvent


class BackupError(Exception):
    pass


def _pg_env_and_url() -> tuple[dict[str, str], str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    host = db.get("HOST") or "localhost"
    url = f"postgresql://{db.get('USER') or ''}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    return env, url


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[:500]}")


def backup(out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=False)
    out.chmod(0o700)
    vendor = connection.vendor
    if vendor == "sqlite":
        target = sqlite3.connect(out / "database.sqlite3")
        with target:
            connection.ensure_connection()
            connection.connection.backup(target)
        target.close()
    elif vendor == "postgresql":
        env, url = _pg_env_and_url()
        _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={out / 'database.pgdump'}", url],
            env,
        )
    else:
        raise BackupError(f"no backup for {vendor}")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(out / "media.tar", "w") as tar:
        if media.exists():
            tar.add(media, arcname="media")
    manifest = {
        "made_at": clock.now().isoformat(),
        "vendor": vendor,
        "audit_events": AuditEvent.objects.count(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    for path in out.iterdir():
        path.chmod(0o600)
    return manifest


def restore(source: Path) -> dict[str, Any]:
    """Into the configured database, which must be empty (migrate nothing first)."""
    manifest: dict[str, Any] = json.loads((source / "manifest.json").read_text())
    if connection.introspection.table_names():
        raise BackupError("the database is not empty: restore goes into an empty database")
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(f"this backup is of {manifest['vendor']}, the database is {vendor}")
    if vendor == "sqlite":
        connection.close()
        db_file = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source / "database.sqlite3", db_file)
        db_file.chmod(0o600)
    else:
        env, url = _pg_env_and_url()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={url}",
                str(source / "database.pgdump"),
            ],
            env,
        )
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(source / "media.tar") as tar:
        tar.extractall(media.parent, filter="data")
    restored = AuditEvent.objects.count()
    if restored != manifest["audit_events"]:
        raise BackupError(
            f"restored {restored} audit events, the backup had {manifest['audit_events']}"
        )
    return manifest
