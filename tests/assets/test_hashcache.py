from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from azure_batch_maya.assets.hashcache import CACHE_FILE, KEEP_DAYS, HashCache, NotAFileError
from tests.fixtures.settle import settle


def test_hashes_once_then_reuses_until_the_file_changes(tmp_path: Path):
    f = tmp_path / "tex.tif"
    f.write_bytes(b"one")
    settle(f)
    cache = HashCache.load(tmp_path / "c")
    d1 = cache.digest(str(f))
    assert d1.sha256 == hashlib.sha256(b"one").hexdigest() and d1.size == 3
    cache.save()

    again = HashCache.load(tmp_path / "c")
    assert again.digest(str(f)) == d1 and again.hashed == 0

    f.write_bytes(b"two!")  # size changes
    assert again.digest(str(f)).sha256 == hashlib.sha256(b"two!").hexdigest()
    st = f.stat()
    f.write_bytes(b"TWO!")  # same size: only mtime tells
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert again.digest(str(f)).sha256 == hashlib.sha256(b"TWO!").hexdigest()
    assert again.hashed == 2


def test_a_damaged_cache_starts_afresh(tmp_path: Path):
    (tmp_path / CACHE_FILE).write_text("{not json")
    f = tmp_path / "a"
    f.write_bytes(b"a")
    cache = HashCache.load(tmp_path)
    assert cache.digest(str(f)).size == 1
    cache.save()
    assert HashCache.load(tmp_path).digest(str(f)).size == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.skipif(sys.platform == "win32", reason="mkfifo and /dev/zero")
def test_only_regular_files_are_hashed(tmp_path: Path):
    fifo = tmp_path / "pipe.tif"
    os.mkfifo(fifo)
    cache = HashCache.load(tmp_path)
    for path in (str(fifo), "/dev/zero", str(tmp_path)):
        with pytest.raises(NotAFileError, match="not a regular file"):
            cache.digest(path)
    assert cache.hashed == 0


def test_a_file_changed_seconds_ago_is_hashed_again_until_it_settles(tmp_path: Path):
    """Its (size, mtime) cannot vouch for it yet: a second save in the same mtime tick,
    same size, would otherwise be sent with the first save's hash."""
    f = tmp_path / "tex.tif"
    f.write_bytes(b"one")
    cache = HashCache.load(tmp_path / "c")
    cache.digest(str(f))
    st = f.stat()
    f.write_bytes(b"ONE")  # same size, and put back in the same tick
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.digest(str(f)).sha256 == hashlib.sha256(b"ONE").hexdigest()
    assert cache.hashed == 2
    settle(f)
    cache.digest(str(f))
    assert cache.digest(str(f)).sha256 == hashlib.sha256(b"ONE").hexdigest()
    assert cache.hashed == 3  # settled: hashed once more, then remembered


def test_entries_unused_for_months_are_dropped_and_a_day_of_hits_writes_once(tmp_path: Path):
    used, forgotten = tmp_path / "used.tif", tmp_path / "forgotten.tif"
    used.write_bytes(b"used")
    forgotten.write_bytes(b"forgotten")
    settle(used)
    settle(forgotten)
    first = HashCache.load(tmp_path / "c", today=20000)
    first.digest(str(used)), first.digest(str(forgotten))
    first.save()
    cache_file = tmp_path / "c" / CACHE_FILE

    later = HashCache.load(tmp_path / "c", today=20100)  # only `used` is asked for
    later.digest(str(used))
    later.save()
    written = cache_file.stat().st_ino
    same_day = HashCache.load(tmp_path / "c", today=20100)
    same_day.digest(str(used))
    same_day.save()
    assert same_day.hashed == 0 and cache_file.stat().st_ino == written  # nothing rewritten

    months_on = HashCache.load(tmp_path / "c", today=20000 + KEEP_DAYS + 1)
    months_on.digest(str(used))
    months_on.save()
    stored = json.loads(cache_file.read_text("utf-8"))["entries"]
    assert list(stored) == [str(used)]
    assert stored[str(used)][3] == 20000 + KEEP_DAYS + 1
    again = HashCache.load(tmp_path / "c", today=20000 + KEEP_DAYS + 1)
    assert again.digest(str(used)).size == 4 and again.hashed == 0
    assert again.digest(str(forgotten)).size == 9 and again.hashed == 1


def test_a_cache_shared_with_an_older_plug_in_works_for_both(tmp_path: Path):
    """Two Maya versions may run two versions of the plug-in over one cache folder: the older
    writes entries of three and reads past a fourth, so neither throws the other's away."""
    f, new = tmp_path / "tex.tif", tmp_path / "new.tif"
    f.write_bytes(b"one")
    new.write_bytes(b"new")
    settle(f)
    settle(new)
    st = f.stat()
    sha = hashlib.sha256(b"one").hexdigest()
    entries = {os.path.abspath(f): [3, st.st_mtime_ns, sha]}  # as the older one writes it
    (tmp_path / CACHE_FILE).write_text(json.dumps({"version": 1, "entries": entries}))
    cache = HashCache.load(tmp_path, today=20000)
    assert cache.digest(str(f)).sha256 == sha and cache.hashed == 0
    cache.save()
    assert json.loads((tmp_path / CACHE_FILE).read_text("utf-8"))["entries"] == entries
    cache.digest(str(new))  # something new: saved, with the days
    cache.save()
    stored = json.loads((tmp_path / CACHE_FILE).read_text("utf-8"))
    assert stored["version"] == 1 and stored["entries"][str(f)] == [3, st.st_mtime_ns, sha, 20000]
    older_reads = stored["entries"][str(f)]  # what the older plug-in compares and takes
    assert (older_reads[0], older_reads[1], older_reads[2]) == (3, st.st_mtime_ns, sha)
