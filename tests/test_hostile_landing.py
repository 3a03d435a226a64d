"""A hostile or careless landing folder (issue 23): links and special files, folders that cannot be read, and
names that would forge lines of output. Each class is a kind of attack, tried in several shapes; every file
is generated in the test's own temporary folder."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.build import run_build
from sources import landing_folder
from sources.landing_folder import LandingFolderUnreadable, kind_files, list_landing, printable
from tests import test_build
from tests.conftest import csv_bytes
from tests.test_build import portal
from tests.test_incremental import Landing
from tests.test_rules import BASES_HEADER, GOOD_BASE, GOOD_PLACEMENT, PLACEMENT_HEADER, with_value

#: a placement only a file outside the landing folder holds: if it is ever loaded, the link was followed
OUTSIDE_STUDENT = "20249999"
OUTSIDE_PLACEMENTS = csv_bytes(PLACEMENT_HEADER, [with_value(GOOD_PLACEMENT, 1, OUTSIDE_STUDENT)])
GOOD_PLACEMENTS = csv_bytes(PLACEMENT_HEADER, [GOOD_PLACEMENT])
#: the base the placements name, so that they load
BASES = {"bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])}}

cli_env = test_build.cli_env  # the environment of a `portal` command: its own Dagster home


def report_line(loaded, name: str) -> str:
    return next(r.line() for r in loaded.reports if r.file == name)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TestSymbolicLinksAndSpecialFiles:
    """A link in the landing folder is never followed, a pipe, socket or device never opened: each is reported
    rejected, by its own name, with the reason, and every other file loads."""

    def test_links_to_outside_the_landing_folder_are_rejected_and_never_read(self, tmp_path, load_landing):
        outside = write(tmp_path / "elsewhere" / "their_placements.csv", OUTSIDE_PLACEMENTS)
        write(tmp_path / "elsewhere" / "folder" / "more.csv", OUTSIDE_PLACEMENTS)
        placements = tmp_path / "landing" / "placements"
        (placements / "2024" / "deeper").mkdir(parents=True)
        links = {
            "placements/theirs.csv": outside,                           # a file in another user's folder
            "placements/2024/deeper/passwd.csv": Path("/etc/passwd"),   # at any depth
            "placements/environ.csv": Path("/proc/self/environ"),      # the build's own secrets
            "placements/folder": outside.parent / "folder",             # a folder outside
            "placements/relative.csv": Path("../../elsewhere/their_placements.csv"),
        }
        for name, target in links.items():
            (tmp_path / "landing" / name).symlink_to(target)
        (placements / "loop_a.csv").symlink_to("loop_b.csv")
        (placements / "loop_b.csv").symlink_to("loop_a.csv")
        (placements / "gone.csv").symlink_to(tmp_path / "elsewhere" / "deleted.csv")

        loaded = load_landing({**BASES, "placements": {"p.csv": GOOD_PLACEMENTS}})

        for name in links:
            assert report_line(loaded, name) == (
                f"{name}: REJECTED: {name}: a symbolic link to outside the landing folder; copy the file in instead")
        for name in ("placements/loop_a.csv", "placements/loop_b.csv", "placements/gone.csv"):
            assert report_line(loaded, name) == (
                f"{name}: REJECTED: {name}: a symbolic link to nothing (its target is missing, or links loop); "
                "copy the file in instead")
        assert report_line(loaded, "placements/p.csv") == "placements/p.csv: read 1, loaded 1, quarantined 0"
        assert loaded.rows("SELECT source_file FROM raw.placements") == [("placements/p.csv",)]
        assert loaded.quarantine("placements") == []
        # nothing of the targets reached any table: not the outside student, not a line of /etc/passwd or of
        # the build's environment
        text = str([loaded.rows(f"SELECT * FROM raw.placements{suffix}") for suffix in ("", "__files", "__quarantine")])
        assert "root:" not in text and "PATH=" not in text and loaded.rows("SELECT count(*) FROM raw.placements") == [(1,)]

    def test_a_link_to_a_file_inside_the_landing_folder_is_refused_and_the_file_loads_once(self, tmp_path,
                                                                                         load_landing):
        placements = tmp_path / "landing" / "placements"
        placements.mkdir(parents=True)
        (placements / "alias.csv").symlink_to("p.csv")
        (placements / "bases_as_placements.csv").symlink_to(tmp_path / "landing" / "bases" / "b.csv")
        loaded = load_landing({**BASES, "placements": {"p.csv": GOOD_PLACEMENTS}})
        assert report_line(loaded, "placements/alias.csv") == (
            "placements/alias.csv: REJECTED: placements/alias.csv: a symbolic link to placements/p.csv in the "
            "landing folder; links are not followed: put the file itself here")
        assert "a symbolic link to bases/b.csv in the landing folder" in report_line(
            loaded, "placements/bases_as_placements.csv")
        assert loaded.rows("SELECT source_file FROM raw.placements") == [("placements/p.csv",)]
        assert loaded.rows("SELECT source_file FROM raw.bases") == [("bases/b.csv",)]

    def test_pipes_sockets_and_devices_are_rejected_without_being_opened(self, tmp_path, load_landing):
        # (opening the pipe for reading would wait for a writer for ever: this test would never end)
        placements = tmp_path / "landing" / "placements"
        placements.mkdir(parents=True)
        os.mkfifo(placements / "pipe.csv")
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(placements / "socket.csv"))
        expected = {"placements/pipe.csv": "a named pipe", "placements/socket.csv": "a socket"}
        try:
            os.mknod(placements / "zero.csv", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
            expected["placements/zero.csv"] = "a device"
        except PermissionError:  # not root: no device node can be made here
            pass
        try:
            loaded = load_landing({**BASES, "placements": {"p.csv": GOOD_PLACEMENTS}})
        finally:
            server.close()
        for name, what in expected.items():
            assert report_line(loaded, name) == (
                f"{name}: REJECTED: {name}: not a regular file but {what}; copy the file in instead")
        assert report_line(loaded, "placements/p.csv") == "placements/p.csv: read 1, loaded 1, quarantined 0"

    def test_a_build_publishes_past_links_records_them_unread_and_the_sensor_then_rests(self, tmp_path,
                                                                                       monkeypatch):
        landing = Landing(tmp_path, monkeypatch)
        (landing.dir / "placements" / "theirs.csv").symlink_to(write(tmp_path / "theirs.csv", OUTSIDE_PLACEMENTS))
        (landing.dir / "survey" / "etc").symlink_to("/etc")
        os.mkfifo(landing.dir / "bases" / "pipe.csv")
        outcome = landing.build()
        assert "placements/theirs.csv: REJECTED: placements/theirs.csv: a symbolic link to outside the landing " \
               "folder; copy the file in instead" in outcome.file_lines
        assert any(line.startswith("survey/etc: REJECTED: ") for line in outcome.file_lines)
        assert any(line.startswith("bases/pipe.csv: REJECTED: ") for line in outcome.file_lines)
        assert landing.rows("SELECT file FROM audit.rejected_files ORDER BY file") == [
            ("bases/pipe.csv",), ("placements/theirs.csv",), ("survey/etc",)]
        # the build's record of its inputs names them, with no content hash (they were never read)
        assert landing.rows("SELECT file, sha256 FROM audit.build_inputs WHERE sha256 IS NULL ORDER BY file") == [
            ("bases/pipe.csv", None), ("placements/theirs.csv", None), ("survey/etc", None)]
        assert landing.rows("SELECT count(*) FROM raw.placements WHERE source_file = 'placements/theirs.csv'") == [(0,)]
        rejected = [line for line in outcome.file_lines if ": REJECTED: " in line]
        assert [line for line in landing.build().file_lines if ": REJECTED: " in line] == rejected  # the same again

        from pipelines.defs.resources import portal_resource
        from pipelines.defs.sensors import landing_folder_sensor

        with dg.build_sensor_context(resources={"portal": portal_resource()}) as context:
            assert isinstance(landing_folder_sensor(context), dg.SkipReason)  # built from exactly these files


class TestUnreadableFolders:
    """A kind folder (or a folder or file in it) that is there but cannot be read stops the build, naming it:
    read as empty, every one of its rows would be removed from the warehouse. A missing kind folder holds no
    files, as the data contracts say."""

    def test_a_missing_kind_folder_holds_no_files(self, tmp_path):
        (tmp_path / "landing").mkdir()
        assert list_landing(tmp_path / "landing") == []

    @pytest.mark.parametrize("shape", ["a file", "a dangling link", "a link loop", "a link to a folder"])
    def test_a_kind_folder_that_is_not_a_folder_stops_the_listing(self, tmp_path, shape):
        landing = tmp_path / "landing"
        landing.mkdir()
        placements = landing / "placements"
        if shape == "a file":
            placements.write_bytes(GOOD_PLACEMENTS)
        elif shape == "a dangling link":
            placements.symlink_to(tmp_path / "unmounted")
        elif shape == "a link loop":
            placements.symlink_to("placements")
        else:
            write(tmp_path / "share" / "p.csv", GOOD_PLACEMENTS)
            placements.symlink_to(tmp_path / "share")
        with pytest.raises(LandingFolderUnreadable, match=r"^placements/: (not a folder|a symbolic link, not a f)"):
            list_landing(landing)

    @pytest.mark.parametrize("unreadable", ["placements", "placements/2024", "catalogue"])
    def test_a_folder_that_cannot_be_listed_stops_the_listing(self, tmp_path, monkeypatch, unreadable):
        # root reads any folder whatever its mode, so the refusal the OS gives others is made here
        landing = tmp_path / "landing"
        write(landing / "placements" / "2024" / "p.csv", GOOD_PLACEMENTS)
        (landing / "catalogue").mkdir()
        refuse_to_list(monkeypatch, landing / unreadable)
        with pytest.raises(LandingFolderUnreadable) as raised:
            list_landing(landing)
        assert str(raised.value).startswith(f"{unreadable}/: cannot be read (Permission denied); the build stops")

    def test_a_file_that_cannot_be_read_stops_the_load_naming_it(self, tmp_path, load_landing, monkeypatch):
        from sources import loading

        real = loading.file_sha256

        def unreadable(path: Path) -> str:
            if path.name == "locked.csv":
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(loading, "file_sha256", unreadable)
        write(tmp_path / "landing" / "placements" / "locked.csv", GOOD_PLACEMENTS)
        with pytest.raises(LandingFolderUnreadable, match=r"^placements/locked\.csv: cannot be read \(Permission denied\)"):
            load_landing({**BASES, "placements": {"p.csv": GOOD_PLACEMENTS}})

    def test_a_reference_supplement_that_is_a_link_stops_the_build(self, tmp_path):
        landing = tmp_path / "landing"
        (landing / "reference").mkdir(parents=True)
        (landing / "reference" / "universities.csv").symlink_to("/etc/passwd")
        with pytest.raises(LandingFolderUnreadable, match="^reference/universities.csv: a symbolic link to outside"):
            landing_folder.reference_supplement(landing)

    def test_a_build_with_an_unlistable_kind_folder_publishes_nothing(self, tmp_path, monkeypatch):
        landing = Landing(tmp_path, monkeypatch)
        landing.build()
        published = sha256(landing.warehouse)
        refuse_to_list(monkeypatch, landing.dir / "placements")
        outcome = run_build()
        assert not outcome.published
        assert outcome.failure.startswith("placements/: cannot be read (Permission denied); the build stops")
        assert sha256(landing.warehouse) == published
        assert landing.rows("SELECT count(*) FROM raw.placements") == [(2,)]

    def test_portal_build_fails_with_exit_1_when_a_kind_folder_is_a_dangling_link(self, tmp_path, cli_env):
        landing = tmp_path / "landing"
        write(landing / "bases" / "b.csv", csv_bytes(BASES_HEADER, [GOOD_BASE]))
        write(landing / "placements" / "p.csv", GOOD_PLACEMENTS)
        warehouse = tmp_path / "out" / "portal.duckdb"
        built = portal("build", "--landing", str(landing), "--warehouse", str(warehouse), env=cli_env)
        assert built.returncode == 0, built.stderr
        published = sha256(warehouse)
        # the share the placements were linked from is not mounted today
        (landing / "placements").rename(tmp_path / "placements_share")
        (landing / "placements").symlink_to(tmp_path / "unmounted" / "placements")
        failed = portal("build", "--landing", str(landing), "--warehouse", str(warehouse), env=cli_env)
        assert failed.returncode == 1
        assert "NOT published: placements/: a symbolic link, not a folder" in failed.stderr
        assert "REMOVED" not in failed.stdout
        assert sha256(warehouse) == published
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM raw.placements").fetchone() == (1,)


def refuse_to_list(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """os.scandir of `folder` fails as it does for a user without read permission on it."""
    real = os.scandir

    def scandir(path=".", *args, **kwargs):
        if Path(os.fsdecode(path)) == folder:
            raise PermissionError(13, "Permission denied", str(folder))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)


class TestNamesInOutput:
    """A file or folder name can hold a newline, a carriage return, a terminal code or a bidirectional
    override: printed as it is, it would forge or hide lines of `portal build` and `portal status`."""

    @pytest.mark.parametrize(("text", "shown"), [
        ("a\nb.csv", "a\\nb.csv"),
        ("a\rb.csv", "a\\rb.csv"),
        ("\x1b[2Kx.csv", "\\x1b[2Kx.csv"),
        ("\x1b]8;;http://x\x07y.csv", "\\x1b]8;;http://x\\x07y.csv"),
        ("gpj.\u202ecsv", "gpj.\\u202ecsv"),
        ("a\u2028b\u2029c\u200bd\u0085e", "a\\u2028b\\u2029c\\u200bd\\x85e"),
        ("bad\udcff.csv", "bad\\xff.csv"),  # a byte of a name that is not UTF-8
        ("辽宁省\u30002024年 实习.csv", "辽宁省\u30002024年 实习.csv"),  # what staff write is left alone
    ])
    def test_printable_escapes_what_could_forge_or_hide_output(self, text, shown):
        assert printable(text) == shown
        assert printable(shown) == shown

    def test_a_name_that_is_not_utf8_is_rejected_not_fatal(self, tmp_path, load_landing):
        folder = tmp_path / "landing" / "placements"
        folder.mkdir(parents=True)
        with open(os.path.join(os.fsencode(folder), b"gbk_\xc1\xc9\xc4\xfe.csv"), "wb") as f:  # 辽宁 in GBK
            f.write(OUTSIDE_PLACEMENTS)
        loaded = load_landing({**BASES, "placements": {"p.csv": GOOD_PLACEMENTS}})
        assert report_line(loaded, "placements/gbk_\\xc1\\xc9\\xc4\\xfe.csv") == (
            "placements/gbk_\\xc1\\xc9\\xc4\\xfe.csv: REJECTED: placements/gbk_\\xc1\\xc9\\xc4\\xfe.csv: its name is "
            "not UTF-8 text (undecodable bytes shown as \\xNN); rename it")
        assert loaded.rows("SELECT source_file FROM raw.placements") == [("placements/p.csv",)]
        assert [f.name for f in kind_files(tmp_path / "landing", "placements")] == [
            "placements/gbk_\\xc1\\xc9\\xc4\\xfe.csv", "placements/p.csv"]

    def test_portal_build_and_status_print_one_escaped_line_per_file(self, tmp_path, cli_env):
        landing = tmp_path / "landing"
        forged = "read 5, loaded 5, quarantined 0"
        # a file that loads and a copy of another that is rejected, each named to forge lines; a folder too
        loads = f"evil\nplacements/x.csv: {forged}\r\x1b[2K\u202e.csv"
        write(landing / "placements" / loads, csv_bytes(PLACEMENT_HEADER, [with_value(GOOD_PLACEMENT, 1, "20240007")]))
        write(landing / "placements" / "p.csv", GOOD_PLACEMENTS)
        write(landing / "placements" / "sub\x1b[31m\n" / "copy\n.csv", GOOD_PLACEMENTS)
        write(landing / "bases" / "b.csv", csv_bytes(BASES_HEADER, [GOOD_BASE]))
        warehouse = tmp_path / "out" / "portal.duckdb"
        done = portal("build", "--landing", str(landing), "--warehouse", str(warehouse), env=cli_env)
        assert done.returncode == 0, done.stderr
        for output in (done.stdout, done.stderr):
            assert not any(c in output for c in "\r\x1b\u202e"), output
        lines = done.stdout.splitlines()
        evil = [line for line in lines if "evil" in line]
        assert evil == ["placements/evil\\nplacements/x.csv: read 5, loaded 5, quarantined 0\\r\\x1b[2K\\u202e.csv: "
                        "read 1, loaded 1, quarantined 0"]
        assert [line for line in lines if forged in line] == evil  # the forged report is no line of its own
        assert [line for line in lines if "copy" in line] == [
            "placements/sub\\x1b[31m\\n/copy\\n.csv: REJECTED: placements/sub\\x1b[31m\\n/copy\\n.csv: same content as "
            "placements/p.csv, which is already loaded"]
        assert len(lines) == 4 + 5 + 1  # 4 files, 5 checks, "published"
        status = portal("status", "--warehouse", str(warehouse), env=cli_env)
        assert status.returncode == 0, status.stderr
        assert not any(c in status.stdout for c in "\r\x1b\u202e")
        assert "  placements/sub\\x1b[31m\\n/copy\\n.csv: placements/sub\\x1b[31m\\n/copy\\n.csv: same content as " \
               "placements/p.csv, which is already loaded" in status.stdout.splitlines()
        # the names are stored as they are: only what is printed is escaped
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert (f"placements/{loads}",) in con.execute("SELECT file FROM audit.load_log").fetchall()


if sys.platform != "linux":  # /proc, device numbers and AF_UNIX paths as on the servers
    pytestmark = pytest.mark.skip("Linux only")
