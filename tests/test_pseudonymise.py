"""Students are identified by HMAC-SHA256(key, university code + ':' + student number), computed in SQL: its
first 128 bits, as a UUID."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
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


@pytest.mark.parametrize("weak", [
    "k",  # one character
    "x" * 40,  # long, but one character again
    "abababababababababab",  # a pattern of two
    "sensor test key",  # 15 bytes: under 128 bits
    "0123456789abcdef0123",  # 20 hex digits: 80 bits
])
def test_a_weak_portal_secret_is_refused_with_how_to_make_a_key(weak, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_FILE", str(tmp_path / "hmac.key"))
    monkeypatch.setenv("PORTAL_SECRET", weak)
    with pytest.raises(pseudonymise.KeyProblem) as refused:
        pseudonymise.load_key()
    message = str(refused.value)
    assert "PORTAL_SECRET" in message and "too weak" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message
    assert len(weak) < 4 or weak not in message  # the key itself is never printed


@pytest.mark.parametrize("good", [secrets.token_hex(16), secrets.token_urlsafe(16), "privacy test key"])
def test_a_key_of_128_bits_is_accepted(good, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", good)
    assert pseudonymise.load_key() == good.encode()


def test_a_weak_key_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET", raising=False)
    monkeypatch.setenv("PORTAL_SECRET_FILE", str(tmp_path / "hmac.key"))
    (tmp_path / "hmac.key").write_text("1234\n")
    with pytest.raises(pseudonymise.KeyProblem, match="key file .*hmac.key is too weak"):
        pseudonymise.load_key()


def test_a_missing_key_file_is_not_made_when_told_not_to(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET", raising=False)
    monkeypatch.setenv("PORTAL_SECRET_FILE", str(tmp_path / "hmac.key"))
    with pytest.raises(pseudonymise.KeyMissing, match="hmac.key is missing"):
        pseudonymise.load_key(create=False)
    assert not (tmp_path / "hmac.key").exists()


def test_the_fingerprint_tells_keys_apart_and_holds_no_key_or_long_digit_run():
    key, other = secrets.token_hex(32).encode(), secrets.token_hex(32).encode()
    fingerprint = pseudonymise.key_fingerprint(key)
    assert fingerprint == pseudonymise.key_fingerprint(key) != pseudonymise.key_fingerprint(other)
    assert fingerprint.replace("-", "") not in key.decode()
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", fingerprint)
