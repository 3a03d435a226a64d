"""Students are identified by HMAC-SHA256(key, university code + ':' + student number), computed in SQL: its
first 128 bits, as a UUID."""

from __future__ import annotations

import hashlib
import hmac
import stat
import uuid

import duckdb
import pytest

from sources import pseudonymise


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"a much longer key than one SHA-256 block of sixty-four bytes....."])
def test_sql_hmac_equals_the_standard_library(key: bytes):
    ipad, opad = pseudonymise.hmac_pads(key)
    sql = pseudonymise.student_key_sql("u", "s")
    with duckdb.connect() as con:
        got = con.execute(
            f"SELECT {sql} FROM (VALUES ('10145', '20240001'), ('10213', '学号Ａ1')) t(u, s)",
            {"ipad": ipad, "opad": opad},
        ).fetchall()
    expected = [uuid.UUID(hmac.new(key, f"{u}:{s}".encode(), hashlib.sha256).hexdigest()[:32])
                for u, s in (("10145", "20240001"), ("10213", "学号Ａ1"))]
    assert [g[0] for g in got] == expected


def test_key_file_is_created_once_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET", raising=False)
    monkeypatch.setenv("PORTAL_SECRET_FILE", str(tmp_path / "keys" / "hmac.key"))
    first = pseudonymise.load_key()
    assert len(first) >= 32
    assert stat.S_IMODE((tmp_path / "keys" / "hmac.key").stat().st_mode) == 0o600
    assert pseudonymise.load_key() == first


def test_portal_secret_overrides_the_key_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_FILE", str(tmp_path / "hmac.key"))
    monkeypatch.setenv("PORTAL_SECRET", "from-the-environment")
    assert pseudonymise.load_key() == b"from-the-environment"
    assert not (tmp_path / "hmac.key").exists()
