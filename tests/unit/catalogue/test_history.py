"""The catalogue's history (studybots/catalogue/history.py) with real git on a
copy of the catalogue: every change a commit with its account, a readable
diff row by row, changes made outside the console committed as such, restore
as a new commit only of tables that pass `make validate`, one writer at a
time across processes, and never a commit in the project's own repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from studybots.catalogue import history
from studybots.catalogue.validate import validate_catalogue
from studybots.core.settings import PROJECT_ROOT

PHRASINGS = "terms/phrasings.csv"


@pytest.fixture()
def dirs(catalogue_copy: Path) -> tuple[Path, Path]:
    return catalogue_copy, catalogue_copy.parent / "catalogue-history"


def append(path: Path, line: str) -> None:
    data = path.read_bytes()
    end = b"\r\n" if b"\r\n" in data else b"\n"
    path.write_bytes(data + line.encode("utf-8") + end)


def change(catalogue: Path, hist: Path, account: str, line: str, message: str = "") -> str:
    with history.changing(catalogue, hist) as recorder:
        append(catalogue / PHRASINGS, line)
        revision = recorder.record(account, message or f"lisätty {line}")
    assert revision
    return revision


def git(where: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", *args], cwd=where, env=env, capture_output=True, text=True, check=True
    ).stdout


def test_each_change_is_a_commit_with_its_account_time_message_and_files(dirs):
    catalogue, hist = dirs
    before = time.time()
    first = change(catalogue, hist, "eeva", "kela,fi,mikä se kela oikein on", "Saapuneet: liitä")
    second = change(catalogue, hist, "Paula Päätoimittaja", "kela,fi,kelan juttu")
    changes = history.log(catalogue, hist)
    assert [c.revision for c in changes[:2]] == [second, first]
    assert [c.account for c in changes] == ["Paula Päätoimittaja", "eeva", history.SYSTEM]
    assert changes[1].message == "Saapuneet: liitä"
    assert changes[0].files == (PHRASINGS,) and changes[1].files == (PHRASINGS,)
    assert before - 2 <= changes[0].time.timestamp() <= time.time() + 2
    assert changes[0].time.utcoffset().total_seconds() == 0
    assert changes[0].local_time[:4].isdigit()  # Helsinki time, 2026-12-04 21:13:12
    # The history begins with the catalogue as it was, every file of it.
    assert "terms/terms.csv" in changes[-1].files and "catalogue.yml" in changes[-1].files
    assert history.head(catalogue, hist) == second
    # The catalogue folder has no repository of its own: the history is beside it.
    assert not (catalogue / ".git").exists() and (hist / "HEAD").is_file()
    # Nothing to record: no commit.
    with history.changing(catalogue, hist) as recorder:
        assert recorder.record("eeva", "ei mitään") is None
    assert len(history.log(catalogue, hist)) == 3


def test_a_diff_says_row_by_row_what_was_added_removed_and_changed(dirs):
    catalogue, hist = dirs
    terms = catalogue / "terms" / "terms.csv"
    with history.changing(catalogue, hist) as recorder:
        rows = terms.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        header = rows[0].rstrip("\r\n").split(",")
        old_second = rows[2]
        rows[1] = rows[1].replace(",", ",MUUTETTU ", 1)  # the term column of row 2
        del rows[2]  # row 3 removed
        terms.write_text("".join(rows), encoding="utf-8")
        append(catalogue / PHRASINGS, 'kela,fi,"<script>alert(1)</script>, eli"')
        revision = recorder.record("eeva", "muutoksia")
    diffs = {d.path: d for d in history.diff(catalogue, hist, revision)}
    assert set(diffs) == {"terms/terms.csv", PHRASINGS}
    added = diffs[PHRASINGS]
    assert added.status == "changed" and added.header == ("term_id", "lang", "text")
    [row] = added.rows
    assert row.kind == "added" and row.cells == ("kela", "fi", "<script>alert(1)</script>, eli")
    assert row.line == len((catalogue / PHRASINGS).read_text(encoding="utf-8").splitlines())
    table = diffs["terms/terms.csv"]
    assert tuple(table.header) == tuple(header)
    kinds = [(r.kind, r.line) for r in table.rows]
    assert kinds == [("removed", 2), ("added", 2), ("removed", 3)]
    assert table.rows[0].changed == table.rows[1].changed == frozenset({1})
    assert table.rows[1].cells[1].startswith("MUUTETTU ")
    assert table.rows[2].cells[0] == old_second.split(",")[0]
    assert (table.added, table.removed) == (1, 2)
    # The first change shows every file as added; a long table only in part.
    root = history.log(catalogue, hist)[-1].revision
    everything = {d.path: d for d in history.diff(catalogue, hist, root)}
    assert everything[PHRASINGS].status == "added"
    assert len(everything[PHRASINGS].rows) == history.MAX_ROWS
    assert everything[PHRASINGS].hidden > 0


def test_changes_made_to_the_files_outside_the_console_are_a_commit_of_their_own(dirs):
    catalogue, hist = dirs
    change(catalogue, hist, "eeva", "kela,fi,ensimmäinen")
    # An editor saves a table in a spreadsheet, straight into the folder.
    append(catalogue / "terms" / "terms.csv", "")
    (catalogue / "services" / "needs.csv").write_bytes(
        (catalogue / "services" / "needs.csv").read_bytes().replace(b"\n", b"\r\n")
    )
    (catalogue / "terms" / "phrasings.csv.tmp").write_text("half written")  # never recorded
    latest = change(catalogue, hist, "eeva", "kela,fi,toinen")
    changes = history.log(catalogue, hist)
    assert changes[0].revision == latest and changes[0].files == (PHRASINGS,)
    assert changes[1].account == history.OUTSIDE
    assert set(changes[1].files) == {"terms/terms.csv", "services/needs.csv"}


def test_restore_puts_the_tables_back_as_a_new_commit_and_keeps_changes_csv(dirs):
    catalogue, hist = dirs
    original = (catalogue / PHRASINGS).read_bytes()
    change(catalogue, hist, "eeva", "kela,fi,ensimmäinen")
    root = history.log(catalogue, hist)[-1]
    with history.changing(catalogue, hist) as recorder:
        append(catalogue / PHRASINGS, "kela,fi,toinen")
        (catalogue / "changes.csv").write_text("time,editor\n2026-12-04,eeva\n", encoding="utf-8")
        (catalogue / "terms" / "extra.md").write_text("uusi tiedosto\n", encoding="utf-8")
        recorder.record("eeva", "kolme tiedostoa")
    (catalogue / ".git").mkdir()  # a catalogue folder that is a checkout too
    (catalogue / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    found = history.preview(catalogue, hist, root.revision)
    assert found.problems == [] and found.head == history.head(catalogue, hist)
    assert {d.path: d.status for d in found.files} == {
        PHRASINGS: "changed",
        "terms/extra.md": "removed",
    }
    assert [r.cells[2] for r in found.files[1].rows] == ["ensimmäinen", "toinen"]
    # A restore from a preview made before another change is refused.
    with pytest.raises(history.Moved):
        history.restore(catalogue, hist, root.revision, "paula", "0" * 40)
    new = history.restore(catalogue, hist, root.revision, "paula", found.head)
    assert new and (catalogue / PHRASINGS).read_bytes() == original
    assert not (catalogue / "terms" / "extra.md").exists()
    assert (catalogue / ".git" / "HEAD").is_file()
    assert (catalogue / "changes.csv").read_text(encoding="utf-8").endswith("eeva\n")
    latest = history.log(catalogue, hist)[0]
    assert latest.revision == new and latest.account == "paula"
    assert latest.message.startswith(f"Palautettu versioon {root.short} (")
    assert validate_catalogue(catalogue) == []
    # Restoring the version the tables already are: nothing to do.
    assert history.restore(catalogue, hist, root.revision, "paula") is None


def test_a_version_whose_tables_do_not_validate_is_not_restored(dirs):
    catalogue, hist = dirs
    terms = catalogue / "terms" / "terms.csv"
    good = terms.read_bytes()
    with history.changing(catalogue, hist) as recorder:
        terms.write_bytes(good.replace(b"\n", b"\nrikki_id,,,,,,,,,\n", 1))
        broken = recorder.record("eeva", "rikki")
    assert broken and validate_catalogue(catalogue)
    with history.changing(catalogue, hist) as recorder:
        terms.write_bytes(good)
        recorder.record("eeva", "korjattu")
    found = history.preview(catalogue, hist, broken)
    assert found.problems and all(p.file == "terms/terms.csv" for p in found.problems)
    head = history.head(catalogue, hist)
    with pytest.raises(history.RestoreRefused) as refused:
        history.restore(catalogue, hist, broken, "paula", head)
    assert refused.value.problems == found.problems
    assert terms.read_bytes() == good and history.head(catalogue, hist) == head


def test_versions_are_only_hex_commits_of_this_history(dirs):
    catalogue, hist = dirs
    change(catalogue, hist, "eeva", "kela,fi,x")
    for bad in ("--output=/tmp/x", "HEAD", "HEAD~1", "zzzzzzz", "0" * 40, "a" * 41):
        with pytest.raises(history.HistoryError):
            history.resolve(catalogue, hist, bad)
    latest = history.log(catalogue, hist)[0]
    assert history.resolve(catalogue, hist, latest.short) == latest


def test_a_history_refuses_another_catalogue_folder(dirs, tmp_path):
    catalogue, hist = dirs
    change(catalogue, hist, "eeva", "kela,fi,x")
    other = tmp_path / "other"
    shutil.copytree(catalogue, other)
    with (
        pytest.raises(history.HistoryError, match="belongs to the catalogue"),
        history.changing(other, hist),
    ):
        pass
    with pytest.raises(history.HistoryError, match="belongs to the catalogue"):
        history.log(other, hist)


def test_the_projects_own_repository_gets_no_commit(tmp_path):
    """Under `make run` the catalogue is inside the developer's repository."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "catalogue", project / "catalogue")
    git(project, "init", "--quiet")
    git(project, "add", ".")
    git(project, "-c", "user.name=dev", "-c", "user.email=dev@x", "commit", "-qm", "dev")
    commits, refs = git(project, "rev-list", "--all"), git(project, "show-ref")
    catalogue, hist = project / "catalogue", project / "catalogue-history"
    change(catalogue, hist, "eeva", "kela,fi,x")
    assert git(project, "rev-list", "--all") == commits and git(project, "show-ref") == refs
    # The developer sees the change as their own uncommitted one.
    assert git(project, "status", "--porcelain", "catalogue") == f" M catalogue/{PHRASINGS}\n"
    assert len(history.log(catalogue, hist)) == 2


def test_one_writer_at_a_time_across_processes_and_threads(dirs):
    catalogue, hist = dirs
    history.record(catalogue, hist, "toimitus", "alku")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from studybots.catalogue import history; "
            "c = history._locked(Path(sys.argv[1]))\n"
            "with c:\n    print('locked', flush=True); time.sleep(3)",
            str(hist),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(history.Busy), history._locked(hist, seconds=0.5):
            pass
        assert time.monotonic() - started >= 0.5
        # A writer that waits long enough gets the lock once the other is done.
        with history._locked(hist, seconds=30):
            assert holder.poll() is not None or time.monotonic() - started >= 1
    finally:
        holder.wait(10)

    # Threads that read, wait and write the same table lose nothing.
    def writer(n: int) -> None:
        with history.changing(catalogue, hist) as recorder:
            data = (catalogue / PHRASINGS).read_bytes()
            time.sleep(0.05)
            (catalogue / PHRASINGS).write_bytes(data + f"kela,fi,rinnakkain {n}\n".encode())
            recorder.record(f"editor{n}", f"rinnakkain {n}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = (catalogue / PHRASINGS).read_text(encoding="utf-8")
    assert all(f"rinnakkain {n}" in text for n in range(4))
    assert {c.account for c in history.log(catalogue, hist)[:4]} == {f"editor{n}" for n in range(4)}


def test_an_index_lock_left_by_a_killed_commit_does_not_block_the_history(dirs):
    catalogue, hist = dirs
    change(catalogue, hist, "eeva", "kela,fi,ennen")
    left = hist / "index.lock"
    left.write_text("")
    old = time.time() - history.STALE_SECONDS - 10
    os.utime(left, (old, old))
    change(catalogue, hist, "eeva", "kela,fi,jälkeen")
    assert not left.exists() and history.log(catalogue, hist)[0].account == "eeva"
    # A young one may be an operator's git at work: it is left alone.
    left.write_text("")
    with pytest.raises(history.HistoryError, match="index.lock"):
        change(catalogue, hist, "eeva", "kela,fi,kesken")
    assert left.exists()
