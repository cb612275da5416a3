"""The catalogue's history: every change of the tables a commit, with the
account and the time, in a git repository of its own.

The repository's GIT_DIR is the history directory (Settings.history_dir: by
default the catalogue folder's sibling `<catalogue>-history`, i.e.
/app/var/catalogue-history in production and catalogue-history/ beside
catalogue/ under `make run`, which .gitignore leaves out) and its work
tree is the catalogue folder itself. It is never the project's own .git: under
`make run` the catalogue is inside the developer's repository, which gets no
commits from here. The history remembers the catalogue folder it belongs to
and refuses another one.

- `changing` serialises the writers: a lock of this process and a POSIX
  (fcntl) lock on a file in the history directory, so that console replicas
  sharing the volume, `make review --import` and a restore never write at the
  same time. On entry, changes made to the files outside the console (a
  spreadsheet saved over a table, `kubectl cp`) become a commit of their own,
  so that the change recorded next is only the change itself.
- `record` commits the catalogue as it is, by an account, with a message.
- `log` lists the changes, newest first; `diff` shows one change file by file
  and row by row (as a spreadsheet numbers the rows: the header is row 1).
- `preview` says what a restore to a version would change and whether the
  tables as they were then pass `make validate` today; `restore` makes a new
  commit that puts them back, only when they do. changes.csv (the log of the
  editors' decisions) is never put back: it only grows.

git is run as a program (the image installs it), with no system or user
configuration, so that nothing of the machine's git setup changes what happens.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import errno
import fcntl
import fnmatch
import io
import os
import re
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from studybots.catalogue.tables import decode, sniff_delimiter
from studybots.catalogue.validate import Problem, validate_catalogue

__all__ = [
    "Busy",
    "Change",
    "FileDiff",
    "HistoryError",
    "Moved",
    "Preview",
    "Recorder",
    "RestoreRefused",
    "Row",
    "changing",
    "diff",
    "head",
    "log",
    "preview",
    "record",
    "restore",
    "resolve",
]

LOCAL_TZ = ZoneInfo("Europe/Helsinki")
LOCK_FILE = "toimitus.lock"
LOCK_SECONDS = 60.0  # a change takes a few seconds at most
STALE_SECONDS = 300.0  # an index.lock of git older than this was left by a killed process
# Files that are no part of the tables: a write's temporary file, the lock
# files of Excel and LibreOffice, macOS's folder notes.
IGNORED = ("*.tmp", "~$*", ".~lock.*", ".DS_Store", "Thumbs.db")
KEEP = ("changes.csv",)  # a restore leaves these as they are
SYSTEM = "toimitus"  # the author of the history's first commit
OUTSIDE = "konsolin ulkopuolella"  # the author of changes made to the files directly
MAX_ROWS = 300  # rows of one file a diff shows
REVISION = re.compile(r"^[0-9a-f]{7,40}$")
SEPARATOR, FIELD = "\x1e", "\x1f"


class HistoryError(Exception):
    """The history cannot do what was asked (the message says why)."""


class Busy(HistoryError):
    """Another change held the lock for too long."""


class Moved(HistoryError):
    """The catalogue changed after the preview the restore was asked from."""


class RestoreRefused(HistoryError):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the tables of that version")
        self.problems = problems


@dataclass(frozen=True)
class Change:
    revision: str
    account: str
    time: dt.datetime  # UTC
    message: str
    files: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        return self.revision[:10]

    @property
    def local_time(self) -> str:
        return self.time.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Row:
    """A row of a table added or removed; `line` numbers it as a spreadsheet
    does in its own version of the file (the header is row 1); `changed`: the
    columns that differ from the row it replaced or was replaced by."""

    kind: str  # "added" | "removed"
    line: int
    cells: tuple[str, ...]
    changed: frozenset[int] = frozenset()


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: str  # "added" | "removed" | "changed"
    header: tuple[str, ...]  # a table's columns; () for another file
    rows: tuple[Row, ...]
    hidden: int = 0  # rows left out (MAX_ROWS)

    @property
    def added(self) -> int:
        return sum(r.kind == "added" for r in self.rows)

    @property
    def removed(self) -> int:
        return sum(r.kind == "removed" for r in self.rows)


@dataclass(frozen=True)
class Preview:
    """What a restore to `target` would change, from `head`."""

    target: Change
    head: str
    files: list[FileDiff]
    problems: list[Problem] = field(default_factory=list)


# -- git -------------------------------------------------------------------------


def _environment(catalogue_dir: Path, history_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tempfile.gettempdir(),
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "GIT_DIR": str(history_dir),
        "GIT_WORK_TREE": str(catalogue_dir),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_COMMITTER_NAME": SYSTEM,
        "GIT_COMMITTER_EMAIL": f"{SYSTEM}@toimitus.invalid",
    }


def _git(
    catalogue_dir: Path,
    history_dir: Path,
    *args: str,
    stdin: bytes | None = None,
    extra: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        cwd=catalogue_dir,
        env={**_environment(catalogue_dir, history_dir), **(extra or {})},
        input=stdin,
        capture_output=True,
        check=False,
        timeout=120,
    )
    if done.returncode not in ok:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise HistoryError(f"git {args[0]}: {said or f'exit {done.returncode}'}")
    return done


def _exists(history_dir: Path) -> bool:
    return (history_dir / "HEAD").is_file()


def _check_belongs(catalogue_dir: Path, history_dir: Path) -> None:
    found = _git(catalogue_dir, history_dir, "config", "--get", "toimitus.catalogue", ok=(0, 1))
    owner = found.stdout.decode().strip()
    if owner and Path(owner) != catalogue_dir.resolve():
        raise HistoryError(
            f"the history {history_dir} belongs to the catalogue {owner}, not {catalogue_dir} "
            "(set STUDYBOTS_CATALOGUE_HISTORY_DIR)"
        )


def _init(catalogue_dir: Path, history_dir: Path) -> None:
    history_dir.mkdir(parents=True, exist_ok=True)
    _git(catalogue_dir, history_dir, "init", "--quiet")
    for key, value in (
        ("toimitus.catalogue", str(catalogue_dir.resolve())),
        ("core.autocrlf", "false"),  # a table keeps its CRLF and its bytes
        ("core.filemode", "false"),  # volumes differ in what they keep of modes
        ("core.symlinks", "false"),
        ("gc.autoDetach", "false"),  # no git left running behind a request
        ("commit.gpgSign", "false"),
    ):
        _git(catalogue_dir, history_dir, "config", key, value)
    (history_dir / "info").mkdir(exist_ok=True)
    (history_dir / "info" / "exclude").write_text("\n".join(IGNORED) + "\n", encoding="utf-8")
    (history_dir / "description").write_text(
        f"The history of the catalogue {catalogue_dir.resolve()} (studybots/catalogue/history.py)\n",
        encoding="utf-8",
    )


def _ident(account: str) -> str:
    name = re.sub(r"[<>\n\r\x00]", "", account).strip()
    return name or "tuntematon"


def _commit(catalogue_dir: Path, history_dir: Path, account: str, message: str) -> str | None:
    """Everything in the catalogue folder as a commit by `account`; None when
    nothing differs from the last one."""
    _git(catalogue_dir, history_dir, "add", "--all", ".")
    first = not head(catalogue_dir, history_dir)
    staged = _git(catalogue_dir, history_dir, "diff", "--cached", "--quiet", ok=(0, 1))
    if staged.returncode == 0 and not first:
        return None
    name = _ident(account)
    email = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "tuntematon"
    subject = " ".join(message.split()) or "muutos"
    _git(
        catalogue_dir,
        history_dir,
        "commit",
        "--quiet",
        "--no-verify",
        "--allow-empty-message",
        *(["--allow-empty"] if first else []),
        "--file=-",
        stdin=subject.encode("utf-8"),
        extra={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": f"{email}@toimitus.invalid"},
    )
    return head(catalogue_dir, history_dir)


def _baseline(catalogue_dir: Path, history_dir: Path) -> None:
    """A history for the folder as it is now (its first commit), or the
    changes made to its files outside the console since the last commit."""
    if not _exists(history_dir):
        _init(catalogue_dir, history_dir)
        _commit(catalogue_dir, history_dir, SYSTEM, "Historia alkaa: luettelo sellaisenaan")
        return
    _check_belongs(catalogue_dir, history_dir)
    _commit(
        catalogue_dir,
        history_dir,
        OUTSIDE,
        "Tiedostoihin konsolin ulkopuolella tehdyt muutokset (taulukko tallennettu suoraan)",
    )


# -- the lock --------------------------------------------------------------------

_PROCESS_LOCK = threading.Lock()  # fcntl locks do not exclude threads of one process


@contextlib.contextmanager
def _locked(history_dir: Path | None, seconds: float = LOCK_SECONDS) -> Iterator[None]:
    if not _PROCESS_LOCK.acquire(timeout=seconds):
        raise Busy("another change of the catalogue is still running")
    try:
        if history_dir is None:
            yield
            return
        history_dir.mkdir(parents=True, exist_ok=True)
        with open(history_dir / LOCK_FILE, "a+b") as handle:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise Busy("another change of the catalogue is still running") from None
                    time.sleep(0.05)
            _stale_index_lock(history_dir)
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        _PROCESS_LOCK.release()


def _stale_index_lock(history_dir: Path) -> None:
    """git's own index.lock left by a process killed while it committed: with
    our lock held no change is running, so an old one is removed (a young one
    may be an operator's git command: it stays, and git says so)."""
    stale = history_dir / "index.lock"
    with contextlib.suppress(FileNotFoundError):
        if time.time() - stale.stat().st_mtime > STALE_SECONDS:
            stale.unlink()


class Recorder:
    """What `changing` yields: `record` the change once the files are written."""

    def __init__(self, catalogue_dir: Path, history_dir: Path | None):
        self.catalogue_dir = catalogue_dir
        self.history_dir = history_dir
        self.revision: str | None = None

    def record(self, account: str, message: str) -> str | None:
        """The commit of the change (None: nothing changed, or no history)."""
        if self.history_dir is None:
            return None
        self.revision = _commit(self.catalogue_dir, self.history_dir, account, message)
        return self.revision


@contextlib.contextmanager
def changing(catalogue_dir: Path, history_dir: Path | None) -> Iterator[Recorder]:
    """One writer of the catalogue at a time (history_dir None: in this
    process only, and nothing recorded). Changes made outside the console
    since the last commit are committed first, as such."""
    with _locked(history_dir):
        if history_dir is not None:
            _baseline(catalogue_dir, history_dir)
        yield Recorder(catalogue_dir, history_dir)


def record(catalogue_dir: Path, history_dir: Path, account: str, message: str) -> str | None:
    """Commit the catalogue as it is now by `account` (a history that does not
    exist yet begins with it). None when nothing changed."""
    with _locked(history_dir):
        if not _exists(history_dir):
            _init(catalogue_dir, history_dir)
        _check_belongs(catalogue_dir, history_dir)
        return _commit(catalogue_dir, history_dir, account, message)


# -- reading ---------------------------------------------------------------------


def head(catalogue_dir: Path, history_dir: Path) -> str:
    """The last commit ("" before the first)."""
    if not _exists(history_dir):
        return ""
    found = _git(catalogue_dir, history_dir, "rev-parse", "--verify", "--quiet", "HEAD", ok=(0, 1))
    return found.stdout.decode().strip()


def _changes(catalogue_dir: Path, history_dir: Path, *args: str) -> list[Change]:
    out = _git(
        catalogue_dir,
        history_dir,
        "log",
        f"--format={SEPARATOR}%H{FIELD}%an{FIELD}%at{FIELD}%s",
        "--name-only",
        *args,
    ).stdout.decode("utf-8", "replace")
    found = []
    for chunk in out.split(SEPARATOR)[1:]:
        first, _, rest = chunk.partition("\n")
        revision, account, stamp, message = first.split(FIELD, 3)
        files = tuple(line for line in rest.splitlines() if line.strip())
        when = dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc)
        found.append(Change(revision, account, when, message, files))
    return found


def log(catalogue_dir: Path, history_dir: Path, limit: int = 100) -> list[Change]:
    """The newest `limit` changes first (none before the first change)."""
    if not _exists(history_dir) or not head(catalogue_dir, history_dir):
        return []
    _check_belongs(catalogue_dir, history_dir)
    return _changes(catalogue_dir, history_dir, f"--max-count={limit}", "HEAD")


def resolve(catalogue_dir: Path, history_dir: Path, revision: str) -> Change:
    """The change `revision` names (hex, 7-40 digits), else HistoryError."""
    if not REVISION.match(revision) or not _exists(history_dir):
        raise HistoryError(f"no such version: {revision[:50]!r}")
    found = _git(
        catalogue_dir,
        history_dir,
        "rev-parse",
        "--verify",
        "--quiet",
        f"{revision}^{{commit}}",
        ok=(0, 1),
    ).stdout.decode()
    if not found.strip():
        raise HistoryError(f"no such version: {revision!r}")
    return _changes(catalogue_dir, history_dir, "--max-count=1", found.strip())[0]


def _ignored(path: str) -> bool:
    """Not a file of the history: IGNORED, or inside a repository of its own
    (a catalogue folder that is also a checkout keeps its .git)."""
    parts = path.split("/")
    return ".git" in parts[:-1] or any(fnmatch.fnmatch(parts[-1], pattern) for pattern in IGNORED)


def _snapshot(catalogue_dir: Path, history_dir: Path, revision: str) -> dict[str, bytes]:
    """Every file of a version: path -> bytes."""
    data = _git(catalogue_dir, history_dir, "archive", "--format=tar", revision).stdout
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if member.isfile():
                extracted = archive.extractfile(member)
                assert extracted is not None
                files[member.name] = extracted.read()
    return files


def _worktree(catalogue_dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(catalogue_dir).as_posix(): p.read_bytes()
        for p in sorted(catalogue_dir.rglob("*"))
        if p.is_file() and not _ignored(p.relative_to(catalogue_dir).as_posix())
    }


def _parent(catalogue_dir: Path, history_dir: Path, revision: str) -> str | None:
    found = _git(
        catalogue_dir, history_dir, "rev-parse", "--verify", "--quiet", f"{revision}^", ok=(0, 1)
    )
    return found.stdout.decode().strip() or None


# -- diffs -----------------------------------------------------------------------


def _text(data: bytes) -> str:
    try:
        return decode(data)[0]
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _records(path: str, data: bytes) -> list[tuple[str, ...]]:
    """A table's rows (the header first), or another file's lines, as tuples."""
    text = _text(data)
    if not path.endswith(".csv"):
        return [(line,) for line in text.splitlines()]
    first = text.split("\n", 1)[0].split("\r", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        rows = [tuple(record) for record in reader]
    except csv.Error:
        return [(line,) for line in text.splitlines()]
    # Empty cells at the right end are no difference a spreadsheet shows.
    return [
        tuple(row[: max((i + 1 for i, c in enumerate(row) if c.strip()), default=0)])
        for row in rows
    ]


def _changed_cells(old: tuple[str, ...], new: tuple[str, ...]) -> frozenset[int]:
    width = max(len(old), len(new))
    return frozenset(
        i
        for i in range(width)
        if (old[i] if i < len(old) else "") != (new[i] if i < len(new) else "")
    )


def _file_diff(path: str, old: bytes | None, new: bytes | None) -> FileDiff:
    before = _records(path, old) if old is not None else []
    after = _records(path, new) if new is not None else []
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            changed = _changed_cells(before[i1 + k], after[j1 + k])
            rows.append(Row("removed", i1 + k + 1, before[i1 + k], changed))
            rows.append(Row("added", j1 + k + 1, after[j1 + k], changed))
        rows += [Row("removed", i + 1, before[i]) for i in range(i1 + pairs, i2)]
        rows += [Row("added", j + 1, after[j]) for j in range(j1 + pairs, j2)]
    table = path.endswith(".csv")
    header = (after or before or [()])[0] if table else ()
    status = "added" if old is None else "removed" if new is None else "changed"
    return FileDiff(path, status, header, tuple(rows[:MAX_ROWS]), max(0, len(rows) - MAX_ROWS))


def _compare(old: dict[str, bytes], new: dict[str, bytes]) -> list[FileDiff]:
    return [
        _file_diff(path, old.get(path), new.get(path))
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]


def diff(catalogue_dir: Path, history_dir: Path, revision: str) -> list[FileDiff]:
    """What the change `revision` changed, file by file, row by row."""
    change = resolve(catalogue_dir, history_dir, revision)
    parent = _parent(catalogue_dir, history_dir, change.revision)
    before = _snapshot(catalogue_dir, history_dir, parent) if parent else {}
    return _compare(before, _snapshot(catalogue_dir, history_dir, change.revision))


def _target(catalogue_dir: Path, history_dir: Path, revision: str) -> dict[str, bytes]:
    """The files a restore to `revision` leaves: that version's, but KEEP as now."""
    files = _snapshot(catalogue_dir, history_dir, revision)
    for name in KEEP:
        files.pop(name, None)
        if (catalogue_dir / name).is_file():
            files[name] = (catalogue_dir / name).read_bytes()
    return files


def _problems(files: dict[str, bytes]) -> list[Problem]:
    """`make validate` of these files as a catalogue folder."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalogue"
        for path, data in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        return validate_catalogue(root)


def preview(catalogue_dir: Path, history_dir: Path, revision: str) -> Preview:
    """What restoring `revision` would change now, and the problems `make
    validate` finds in the tables of that version (a restore needs none)."""
    target = resolve(catalogue_dir, history_dir, revision)
    files = _target(catalogue_dir, history_dir, target.revision)
    return Preview(
        target,
        head(catalogue_dir, history_dir),
        _compare(_worktree(catalogue_dir), files),
        _problems(files),
    )


def _write(catalogue_dir: Path, current: dict[str, bytes], wanted: dict[str, bytes]) -> None:
    """Each changed file replaced at once (a reader sees the old or the new)."""
    for path in sorted(set(current) | set(wanted)):
        target = catalogue_dir / path
        if path not in wanted:
            target.unlink()
            with contextlib.suppress(OSError):  # a folder left empty
                target.parent.rmdir()
        elif current.get(path) != wanted[path]:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".tmp")
            temporary.write_bytes(wanted[path])
            temporary.replace(target)


def restore(
    catalogue_dir: Path,
    history_dir: Path,
    revision: str,
    account: str,
    expected_head: str | None = None,
) -> str | None:
    """Put the tables back as they were at `revision`, as a new commit by
    `account`: only when they pass `make validate` (else RestoreRefused) and,
    with `expected_head`, only when nothing changed since the preview (else
    Moved). None when they already are as they were."""
    with _locked(history_dir):
        _baseline(catalogue_dir, history_dir)
        if expected_head is not None and head(catalogue_dir, history_dir) != expected_head:
            raise Moved("the catalogue changed after the preview")
        target = resolve(catalogue_dir, history_dir, revision)
        wanted = _target(catalogue_dir, history_dir, target.revision)
        problems = _problems(wanted)
        if problems:
            raise RestoreRefused(problems)
        current = _worktree(catalogue_dir)
        if current == wanted:
            return None
        _write(catalogue_dir, current, wanted)
        message = (
            f"Palautettu versioon {target.short} ({target.local_time}, {target.account}): "
            f"{target.message}"
        )
        return _commit(catalogue_dir, history_dir, account, message)
