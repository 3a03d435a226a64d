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
half the space of the 64-character hex text, and joins and distinct counts over it run faster
(benchmarks/RESULTS.md). (The Parquet export writes it as its text, which every engine reads.)
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from sources import settings

_BLOCK = 64  # SHA-256 block size in bytes

# --- personal values in text ---------------------------------------------------------------------
# What an ID number, a mobile number or an e-mail address looks like in text folded to NFKC (as every cell is
# before it is checked or stored: full-width digits are ASCII by then), written the ways people write them.
# One regular expression finds any of them (RE2 in DuckDB, re in Python: the syntax both read), so a value
# is read once; the separators people put inside a number are allowed by the pattern itself, not removed by
# a pass of their own.
_D = "[0-9]"
#: what people put between a number's digits: space, full stop, the hyphens and dashes (NFKC leaves U+2010 to
#: U+2015 and the minus sign as they are), / _ ~ and commas, and the zero-width characters a copy from a web page
#: or a chat carries (written by code point: they are invisible in source). The characters themselves, not
#: escapes, so that RE2 and re read the class alike.
_SEPARATORS = " ./_~,，、" + "".join(map(chr, (*range(0x2010, 0x2016), 0x2212, 0x200B, 0x200C, 0x200D, 0x2060,
                                             0xFEFF))) + "-"
#: one optional separator between two digits: 139-1234-5678, 110101 19900307 1234, 139.1234.5678
_S = f"[{_SEPARATORS}]?"
#: between the groups of a mobile number, up to three: 139 - 1234 - 5678
_GROUPS = f"[{_SEPARATORS}]{{0,3}}"
# Mainland ID numbers: 6-digit area (its first two digits a province's code), date of birth, 3-digit serial,
# and a check digit (0-9 or X) in the 18-digit form; the 15-digit first-generation form has a 2-digit year and
# no check digit. A separator may sit between any two digits (6-8-4, 6-4-4-4, 4-4-4-4-2 are all seen): the
# province and the date keep runs of codes, years and amounts from passing for one, and an enterprise's credit
# code (91…, 92…, 93…, all digits when its organisation code is) too.
_PROVINCE = f"(?:1{_S}[1-5]|2{_S}[1-3]|3{_S}[1-7]|4{_S}[1-6]|5{_S}[0-4]|6{_S}[1-5]|7{_S}1|8{_S}[1-3])"
_AREA = _PROVINCE + f"{_S}{_D}" * 4
_MONTH = f"(?:0{_S}[1-9]|1{_S}[0-2])"
_DAY = f"(?:0{_S}[1-9]|[12]{_S}{_D}|3{_S}[01])"
_SERIAL = f"{_D}{_S}{_D}{_S}{_D}"
_ID = (f"{_AREA}{_S}(?:(?:1{_S}9|2{_S}0){_S}{_D}{_S}{_D}{_S}{_MONTH}{_S}{_DAY}{_S}{_SERIAL}{_S}[0-9Xx]"
       f"|{_D}{_S}{_D}{_S}{_MONTH}{_S}{_DAY}{_S}{_SERIAL})")
# Mobile numbers: 1[3-9] and 9 digits, whole or in the usual 3-4-4 groups, after an optional country code
# (+86, 0086, 86). Only at the group boundaries: a separator anywhere would make a standard's number such as
# GB 16895.21-2011 (11 digits) a phone number.
_MOBILE = f"(?:(?:00)?86{_GROUPS})?1[3-9]{_D}{_GROUPS}{_D}{{4}}{_GROUPS}{_D}{{4}}"
# A number is one only where its digits begin and end: after the start, a character that is not a letter or
# digit, or a word glued to it (tel13912345678, ID110101…: a letter outside a-f, then any a-f), and before
# the end or such a character. So a run of digits inside a hex pseudonym, a UUID (its groups are 4, 8 or 12
# long, no such number), a sha256 or a credit code is never taken for one, nor are the decimals of a number
# (0.13912345678). Group 1 and the last group are these boundaries, kept when a value is masked.
_BEFORE = "(^|[^0-9A-Za-z.]|[^0-9][.]|^[.]|[G-Zg-z][A-Fa-f]*)"
_AFTER = "([^0-9A-Za-z]|$)"
ID_NUMBER = f"{_BEFORE}(?:{_ID}){_AFTER}"
MOBILE = f"{_BEFORE}(?:{_MOBILE}){_AFTER}"
#: (the domain's dots may be written as the ideographic full stop, 。 or ｡, which NFKC folds to 。)
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:[.。][A-Za-z0-9-]+)*[.。][A-Za-z]{2,}"
#: any of them, as one regular expression (one pass over a value instead of one per pattern)
ANY_PERSONAL = f"{_BEFORE}(?:{_ID}|{_MOBILE}){_AFTER}|{EMAIL}"
#: what the scan reports a match as
PERSONAL_VALUES = (("an ID number", ID_NUMBER), ("a mobile number", MOBILE), ("an e-mail address", EMAIL))
#: the shortest value that can hold a number (a mobile number: 11 digits); shorter ones need an @ to hold
#: anything (an e-mail address), so `might_hold_personal` is a cheap test before the pattern
SHORTEST_NUMBER = 11
#: the shortest value that can hold anything personal (an e-mail address: a@b.cn)
SHORTEST_PERSONAL = 6
MASK = "〔已删除 removed〕"


def might_hold_personal(x: str) -> str:
    """SQL: whether the text `x` is long enough, or has the @, to hold a personal value (before the pattern)."""
    return f"(length({x}) >= {SHORTEST_NUMBER} OR contains({x}, '@'))"


def personal_data_macros_sql() -> str:
    """TEMP macros: `has_personal_value(x)` and `mask_personal(x)` (x with such values replaced by MASK).

    Masking runs twice because two values separated by one character share that boundary character; only
    values that hold one pay for it.
    """
    once = f"regexp_replace(x, '{ANY_PERSONAL}', '\\1{MASK}\\2', 'g')"
    return (
        f"CREATE OR REPLACE TEMP MACRO has_personal_value(x) AS CASE WHEN {might_hold_personal('x')} "
        f"THEN regexp_matches(x, '{ANY_PERSONAL}') WHEN x IS NOT NULL THEN false END;\n"
        f"CREATE OR REPLACE TEMP MACRO mask_personal_once(x) AS {once};\n"
        "CREATE OR REPLACE TEMP MACRO mask_personal(x) AS "
        "CASE WHEN has_personal_value(x) THEN mask_personal_once(mask_personal_once(x)) ELSE x END;\n"
    )


_ANY_PERSONAL = re.compile(ANY_PERSONAL)


def mask_personal_text(text: str) -> str:
    """`text` with every personal value replaced by MASK (and folded to NFKC, where it held one): what
    mask_personal does in SQL, for what Python stores or logs (file and sheet names, header cells, messages)."""
    folded = unicodedata.normalize("NFKC", text)
    if not _ANY_PERSONAL.search(folded):
        return text  # as it was: a name with nothing personal in it is not folded either
    while (masked := _ANY_PERSONAL.sub(lambda m: f"{m.group(1) or ''}{MASK}{m.group(2) or ''}", folded)) != folded:
        folded = masked
    return folded


def _masked_name(name: str) -> str:
    """A landing file's name (folder/…/file.csv) with personal values masked in each part, suffixes kept;
    then in the whole, for what only the whole shows (hr@company.xlsx has the shape of an e-mail address)."""
    parts = []
    for part in name.split("/"):
        stem, dot, suffix = part.rpartition(".")
        parts.append(mask_personal_text(stem) + dot + suffix if dot and stem else mask_personal_text(part))
    return mask_personal_text("/".join(parts))


def stored_file_names(names: Iterable[str]) -> dict[str, str]:
    """Landing file name → the name the warehouse stores and the build shows for it: personal values masked
    (a file named after a student, 张三_13912345678.csv, is 张三_〔已删除 removed〕.csv). Names that mask
    alike are told apart by a number, in name order, so a set of names always maps the same way."""
    stored = {name: _masked_name(name) for name in names}
    taken = {name for name, shown in stored.items() if shown == name}
    for name in sorted(n for n, shown in stored.items() if shown != n):
        shown, number = stored[name], 2
        while shown in taken:
            stem, dot, suffix = stored[name].rpartition(".")
            shown = f"{stem} ({number}).{suffix}" if dot and "/" not in suffix else f"{stored[name]} ({number})"
            number += 1
        taken.add(shown)
        stored[name] = shown
    return stored


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
