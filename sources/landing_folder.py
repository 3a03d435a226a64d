"""The landing folder, listed in one place: which files a build may read, which it refuses, and how a name
from it is printed.

A build reads `<landing>/<kind>/` (at any depth) for each source kind, and `<landing>/reference/universities.csv`.
The loaders (sources/loading.py), the run's record of its inputs (pipelines/defs/resources.py, then
audit.build_inputs) and the landing-folder sensor (pipelines/defs/sensors.py) all take the list from
`list_landing`, so they agree on what the folder holds.

Nothing is opened to list the folder: each entry is judged by its own lstat, so
- a symbolic link is never followed: it could lead anywhere the build's user may read (`/proc/self/environ`,
  another user's files) or loop. One with a source file's suffix, or leading to a folder, is listed as
  refused, and its loader reports it rejected with the reason;
- a named pipe, socket or device is refused (opening a pipe would wait for a writer for ever);
- a file whose name is not UTF-8 text is refused (the warehouse stores names as text), under its name with the
  undecodable bytes written `\\xNN`;
- hidden entries (a name starting with `.`, folders too) and Excel's lock files (`~$…`) are skipped, as are
  files of other types.

A kind folder that does not exist holds no files. One that exists but cannot be listed, or is a symbolic link
or not a folder, or holds a folder that cannot be listed, raises LandingFolderUnreadable and the build fails:
read as empty, it would remove every one of its rows from the warehouse.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from sources import settings
from sources.kinds import KINDS
from sources.pseudonymise import mask_personal_text, stored_file_names

LINK_OUTSIDE = "a symbolic link to outside the landing folder; copy the file in instead"
LINK_BROKEN = "a symbolic link to nothing (its target is missing, or links loop); copy the file in instead"
LINK_INSIDE = "a symbolic link to {target} in the landing folder; links are not followed: put the file itself here"
NOT_UTF8 = "its name is not UTF-8 text (undecodable bytes shown as \\xNN); rename it"
_SPECIAL = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
            stat.S_IFBLK: "a device"}


class LandingFolderUnreadable(Exception):
    """A folder the build must read cannot be listed (or a file in it cannot be read): the build stops. Raised
    `from None`: its message says what the OS error said, and is the one `portal build` prints."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    #: the path under the landing folder, `/`-separated, as the warehouse names the file
    name: str
    size: int
    mtime_ns: int
    #: why the file is not read (a link, a pipe, a name that is not text); None for a file to read
    refused: str | None = None
    #: the name the warehouse stores, the build reports and the sensor compares: `name` with personal values
    #: masked (stored_file_names), set once by `kind_files`. Names of different kinds never mask alike (their
    #: kind folder differs), so working it out per kind is working it out over the whole folder.
    stored_name: str = ""


def list_landing(landing: Path) -> list[LandingFile]:
    """Every file a build may read from the landing folder (each kind's and the reference supplement), and
    the ones it refuses, by name. Raises LandingFolderUnreadable if a folder the build reads cannot be listed."""
    found = [f for kind in KINDS for f in kind_files(landing, kind)]
    supplement = _reference_supplement(landing)
    return sorted(found + ([supplement] if supplement else []), key=_by_name)


def kind_files(landing: Path, kind: str) -> list[LandingFile]:
    """The files of one source kind (`<landing>/<kind>/` at any depth), refused ones included, by name."""
    found: list[LandingFile] = []
    if _folder_exists(landing / kind, kind):
        _walk(landing / kind, kind, os.path.realpath(landing), found)
    stored = stored_file_names([f.name for f in found])
    return sorted((replace(f, stored_name=stored[f.name]) for f in found), key=_by_name)


def _by_name(file: LandingFile) -> Path:
    return Path(file.name)  # as paths sort (by folder, then name), the order files have always been read in


def reference_supplement(landing: Path) -> Path | None:
    """`<landing>/reference/universities.csv` if it is there to read; raises LandingFolderUnreadable if it is
    there but refused (a link, a pipe): built without it, universities listed only there would be unknown."""
    supplement = _reference_supplement(landing)
    if supplement is not None and supplement.refused:
        raise LandingFolderUnreadable(f"{supplement.name}: {supplement.refused}")
    return supplement.path if supplement else None


def _reference_supplement(landing: Path) -> LandingFile | None:
    name = settings.LANDING_REFERENCE_UNIVERSITIES.as_posix()
    folder = settings.LANDING_REFERENCE_UNIVERSITIES.parent.as_posix()
    if not _folder_exists(landing / folder, folder):
        return None
    path = landing / name
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise LandingFolderUnreadable(_cannot(name, err)) from None
    return LandingFile(path, name, st.st_size, st.st_mtime_ns, _refusal(path, st, os.path.realpath(landing)),
                       stored_name=name)  # a fixed name, nothing personal in it


def _folder_exists(folder: Path, name: str) -> bool:
    """Whether a folder the build reads is there (False: it is not); raises if it is there but is no folder."""
    try:
        st = folder.lstat()
    except FileNotFoundError:
        return False
    except OSError as err:
        raise LandingFolderUnreadable(_cannot(f"{name}/", err)) from None
    if stat.S_ISLNK(st.st_mode):
        raise LandingFolderUnreadable(
            f"{printable(name)}/: a symbolic link, not a folder; links are not followed: put the folder itself "
            "in the landing folder (or point --landing at the folder that holds it)")
    if not stat.S_ISDIR(st.st_mode):
        raise LandingFolderUnreadable(f"{printable(name)}/: not a folder; its files must be in a folder of "
                                      "that name")
    return True


def _walk(folder: Path, prefix: str, landing_real: str, found: list[LandingFile]) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as err:
        raise LandingFolderUnreadable(_cannot(f"{prefix}/", err)) from None
    for entry in entries:
        if entry.name.startswith((".", "~$")):  # hidden files and folders, Excel's lock files
            continue
        path, name = Path(entry.path), f"{prefix}/{entry.name}"
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # removed while listed
            continue
        except OSError as err:
            raise LandingFolderUnreadable(_cannot(name, err)) from None
        if stat.S_ISDIR(st.st_mode):
            _walk(path, name, landing_real, found)
            continue
        source = path.suffix.lower() in settings.SOURCE_SUFFIXES
        if stat.S_ISLNK(st.st_mode) and not source and not os.path.isdir(path):
            continue  # a link to what would not be read anyway
        if not source and not stat.S_ISLNK(st.st_mode):
            continue
        refused = _refusal(path, st, landing_real)
        if not _is_text(name):
            name, refused = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), NOT_UTF8
        found.append(LandingFile(path, name, st.st_size, st.st_mtime_ns, refused))


def _refusal(path: Path, st: os.stat_result, landing_real: str) -> str | None:
    """Why a landing entry is not read, judged by its lstat `st` (None: a regular file, read)."""
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISLNK(st.st_mode):
        if not os.path.exists(path):
            return LINK_BROKEN
        target = os.path.realpath(path)
        if os.path.commonpath([landing_real, target]) != landing_real:
            return LINK_OUTSIDE
        return LINK_INSIDE.format(target=printable(Path(target).relative_to(landing_real).as_posix()))
    return f"not a regular file but {_SPECIAL.get(stat.S_IFMT(st.st_mode), 'a special file')}; copy the file in instead"


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, held by Python as lone surrogates
        return False
    return True


def _cannot(name: str, err: OSError) -> str:
    return (f"{printable(name)}: cannot be read ({err.strerror or err}); the build stops rather than take it as "
            "empty and remove its rows from the warehouse: make it readable by the build's user, or move it out "
            "of the landing folder")


def file_unreadable(name: str, err: OSError) -> LandingFolderUnreadable:
    """The error that stops a build when a landing file that is there cannot be read (permissions, I/O)."""
    return LandingFolderUnreadable(_cannot(name, err))


# --- files submitted through the portal ----------------------------------------------------------------
#: `<landing>/<kind>/submissions/<role>-<scope>/<file>`: the folder of what one university or enterprise submitted
#: through the dashboard (data staff's go to `submissions/staff/`). The folder name is the submitter's scope,
#: so the scope travels with the file to the loader, which quarantines rows outside it
#: (schema.submitter_scope_rule); a later submission sorts after an earlier one (file names are timestamps)
SUBMISSIONS = "submissions"
SCOPED_ROLES = ("university", "enterprise")
STAFF_FOLDER = "staff"
#: a university code or a credit code, as a folder name holds it (nothing else: no `/`, no `..`)
_SCOPE_IN_NAME = "[0-9A-Z]{1,32}"
_SUBMISSION_FOLDER = re.compile(rf"^[a-z]+/{SUBMISSIONS}/({'|'.join(SCOPED_ROLES)})-({_SCOPE_IN_NAME})/")
#: the files a university or an enterprise handed in itself (its own rows only, the loader sees to that): what
#: the warehouse ranks above the data staff's files for the same key (docs/data-contracts.md, resubmissions)
OWN_SUBMISSION_FILES = _SUBMISSION_FOLDER.pattern


def submission_folder(kind: str, role: str | None, scope: str | None) -> str:
    """The folder (under the landing folder, `/`-separated) a submission of `kind` by a viewer of this role
    and scope is written into. Raises ValueError for a scope that cannot be a folder name."""
    if kind not in KINDS:
        raise ValueError(f"unknown source kind {kind!r}")
    if role not in SCOPED_ROLES:
        return f"{kind}/{SUBMISSIONS}/{STAFF_FOLDER}"
    # (a scope with the shape of a personal value would be masked in the file's stored name, and its files
    # would no longer be known as the submitter's)
    if not re.fullmatch(_SCOPE_IN_NAME, scope or "") or mask_personal_text(scope) != scope:
        raise ValueError(f"not a scope a folder can be named by: {scope!r}")
    return f"{kind}/{SUBMISSIONS}/{role}-{scope}"


#: any folder below `submissions/` but the staff's: its files are some submitter's, never the staff's
_IN_SUBMITTERS_FOLDER = re.compile(rf"^[a-z]+/{SUBMISSIONS}/(?!{STAFF_FOLDER}/)([^/]+)/")


def submission_scope(name: str) -> str | None:
    """`university:10145` / `enterprise:<credit code>` for a landing file (named as the warehouse names it)
    in a university's or an enterprise's submissions folder; None for any other file. A file in another folder
    below `submissions/` (not `staff/`, and not named for a scope, e.g. its name masked) has a scope no row can
    be in, `unknown:<folder>`: every row of it is quarantined, rather than the file standing as the staff's."""
    found = _SUBMISSION_FOLDER.match(name)
    if found:
        return f"{found.group(1)}:{found.group(2)}"
    other = _IN_SUBMITTERS_FOLDER.match(name)
    return f"unknown:{other.group(1)}" if other else None


# --- names in output --------------------------------------------------------------------------------
#: Unicode categories written escaped: control characters (newline, carriage return, ESC of terminal codes),
#: format characters (bidirectional overrides such as U+202E, zero-width characters), lone surrogates (bytes
#: of a file name that are not UTF-8) and the line and paragraph separators
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def printable(text: str) -> str:
    """`text` (a file or folder name, or a line that holds one) as it is safe to print or log: every character
    that could end a line, move the cursor, recolour or reorder the text is written as an escape (`\\n`,
    `\\x1b`, `\\u202e`; a byte of a name that is not UTF-8 as `\\xNN`), so a name can neither forge a line
    of output nor hide part of one. Idempotent; text without such characters is returned as it is."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) if unicodedata.category(c) in _ESCAPED_CATEGORIES else c for c in text)


def _escaped(c: str) -> str:
    if "\udc80" <= c <= "\udcff":  # a byte that is not UTF-8, as Python's surrogateescape holds it
        return f"\\x{ord(c) - 0xDC00:02x}"
    return c.encode("unicode_escape").decode("ascii")
