"""Keyed pseudonyms for students: HMAC-SHA256 over university code + student number.

An unkeyed hash of a student or ID number can be reversed by enumerating every possible number, so the
hash is keyed. The key comes from PORTAL_SECRET, or from a key file the portal creates on the first build,
outside the warehouse (settings.secret_file()); it must carry at least 128 bits. The warehouse records only
the key's fingerprint, and a build with another key, or without the key file, is refused unless told to
rekey (`portal build --rekey`): a new key gives every student a new pseudonym. Publishing the key would let
anyone who has the source files link pseudonyms back to students.

The HMAC is computed inside DuckDB over whole columns (RFC 2104 spelled out with DuckDB's sha256 on
BLOBs), so no Python runs per row; the padded key blocks are bound as query parameters and never stored.

The key a student gets is the HMAC's first 128 bits, stored as a UUID (the 32 hex digits in the UUID's
8-4-4-4-12 groups; the version bits are not set, it is an identifier, not a generated UUID). Truncated to 128
bits an HMAC is as hard to reverse, and two students of a country share a key with odds below 1 in 10^24. The
warehouse holds every placement's key three times (raw, staging, facts): as a 16-byte UUID it takes less than
half the space of the 64-character hex text, and joins and distinct counts over it run 2-3 times faster. (The
Parquet export writes it as its text, which every engine reads.)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sources import settings

_BLOCK = 64  # SHA-256 block size in bytes

# Values shaped like a mainland ID number or a mobile number, bounded by non-alphanumerics so that a run
# of digits inside a hex pseudonym or a credit code is not taken for one. Group 1 and the last group are
# the boundaries, kept when a value is masked.
ID_NUMBER = (
    r"(^|[^0-9A-Za-z])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r"([^0-9A-Za-z]|$)"
)
MOBILE = r"(^|[^0-9A-Za-z])1[3-9][0-9]{9}([^0-9A-Za-z]|$)"
#: either pattern, as one regular expression (one pass over a value instead of one per pattern)
ANY_PERSONAL = f"(?:{ID_NUMBER})|(?:{MOBILE})"
#: the shortest value that can hold a match (a mobile number: 11 digits), a cheap test before the patterns
SHORTEST_PERSONAL = 11
MASK = "〔已删除 removed〕"


def personal_data_macros_sql() -> str:
    """TEMP macros: `has_personal_value(x)` and `mask_personal(x)` (x with such values replaced by MASK).

    Masking runs twice because two values separated by one character share that boundary character.
    """
    once = f"regexp_replace(regexp_replace(x, '{ID_NUMBER}', '\\1{MASK}\\2', 'g'), '{MOBILE}', '\\1{MASK}\\2', 'g')"
    return (
        f"CREATE OR REPLACE TEMP MACRO has_personal_value(x) AS CASE WHEN length(x) >= {SHORTEST_PERSONAL} "
        f"THEN regexp_matches(x, '{ANY_PERSONAL}') WHEN x IS NOT NULL THEN false END;\n"
        f"CREATE OR REPLACE TEMP MACRO mask_personal_once(x) AS {once};\n"
        "CREATE OR REPLACE TEMP MACRO mask_personal(x) AS mask_personal_once(mask_personal_once(x));\n"
    )


#: the shortest key accepted: 128 bits
MIN_KEY_BYTES = 16
#: fewer different characters than this is a pattern, not a key ("aaaa…", "abab…")
MIN_KEY_DISTINCT = 8
KEY_HOWTO = 'make one with `python -c "import secrets; print(secrets.token_hex(32))"`'


class KeyProblem(Exception):
    """The key cannot be used for this build; the message (one line) says why and what to do."""


class KeyMissing(KeyProblem):
    """There is no key file (and no PORTAL_SECRET), and load_key was told not to make one."""


def key_weakness(key: bytes) -> str | None:
    """Why `key` is too weak to key the pseudonyms (None if it is not): fewer than 128 bits (16 bytes, or 32
    characters of a key written in hex digits only, 4 bits each), or a pattern of a few characters."""
    if all(c in b"0123456789abcdefABCDEF" for c in key) and len(key) < 2 * MIN_KEY_BYTES:
        return f"{len(key)} hex digits, {4 * len(key)} bits (at least {2 * MIN_KEY_BYTES} needed: 128 bits)"
    if len(key) < MIN_KEY_BYTES:
        return f"{len(key)} bytes (at least {MIN_KEY_BYTES} needed: 128 bits)"
    if len(set(key)) < MIN_KEY_DISTINCT:
        return f"only {len(set(key))} different characters (at least {MIN_KEY_DISTINCT} needed)"
    return None


def key_source() -> str:
    """Where load_key takes the key from, as words for a message."""
    return "PORTAL_SECRET" if os.environ.get("PORTAL_SECRET") else f"the key file {settings.secret_file()}"


def load_key(create: bool = True) -> bytes:
    """The pseudonymisation key: PORTAL_SECRET if set, else the key file, created (mode 0600) when missing
    only if `create` (a build refuses to create a new key silently when a warehouse was built with one:
    every pseudonym would change). A key that is missing, or too weak (key_weakness), raises KeyProblem."""
    env = os.environ.get("PORTAL_SECRET")
    if env:
        key, source = env.encode("utf-8"), "PORTAL_SECRET"
    else:
        path = settings.secret_file()
        if not path.exists():
            if not create:
                raise KeyMissing(f"the pseudonymisation key file {path} is missing (and PORTAL_SECRET is not set)")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        key, source = Path(path).read_text().strip().encode("utf-8"), f"the key file {path}"
    weakness = key_weakness(key)
    if weakness is not None:
        raise KeyProblem(f"the pseudonymisation key in {source} is too weak: {weakness}; {KEY_HOWTO}")
    return key


def key_fingerprint(key: bytes) -> str:
    """What the warehouse records of its key (audit.build.key_fingerprint), to notice a different key: the HMAC
    of a constant under the key, 64 bits of it. It tells keys apart and reveals nothing of the key. Written in
    groups of four hex digits, so no run of digits in it looks like a phone or ID number to a scan."""
    import hashlib
    import hmac

    digest = hmac.new(key, b"portal pseudonymisation key fingerprint", hashlib.sha256).hexdigest()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of RFC 2104 for SHA-256."""
    import hashlib

    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


#: the SQL type of a student key
STUDENT_KEY_TYPE = "UUID"


def student_key_sql(university_code: str, student_id: str, ipad: str = "$ipad", opad: str = "$opad") -> str:
    """SQL for the student key of '<university_code>:<student_id>' (the first 128 bits of its HMAC-SHA256, as a
    UUID) with the pads bound as parameters."""
    message = f"encode({university_code} || ':' || {student_id})"
    return f"left(sha256({opad} || unhex(sha256({ipad} || {message}))), 32)::{STUDENT_KEY_TYPE}"
