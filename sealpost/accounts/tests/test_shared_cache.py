"""The embedded default's cache (sealpost.cache.LockedFileBasedCache): shared by processes, with
atomic counting, as the rate limits need."""

import multiprocessing
import pickle
import time

from sealpost.cache import LockedFileBasedCache


def make(folder):
    return LockedFileBasedCache(str(folder), {"OPTIONS": {"MAX_ENTRIES": 50_000}})


def count(folder, times):
    cache = make(folder)
    for _ in range(times):
        cache.incr("hits")


def claim(folder, results, n):
    results.put((n, make(folder).add("lock", n, 60)))


def test_increments_from_many_processes_all_count(tmp_path):
    make(tmp_path).add("hits", 0, 60)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=count, args=(tmp_path, 100)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert make(tmp_path).get("hits") == 400


def test_only_one_process_adds(tmp_path):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=claim, args=(tmp_path, results, n)) for n in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    won = [n for n, added in (results.get(timeout=5) for _ in workers) if added]
    assert len(won) == 1
    assert make(tmp_path).get("lock") == won[0]


def test_incr_keeps_the_expiry(tmp_path):
    cache = make(tmp_path)
    cache.add("window", 1, 900)
    with open(cache._key_to_file("window"), "rb") as f:
        before = pickle.load(f)
    assert cache.incr("window") == 2
    with open(cache._key_to_file("window"), "rb") as f:
        after = pickle.load(f)
    assert abs(after - before) < 2 and after > time.time() + 800


def test_incr_of_a_missing_or_expired_key_fails(tmp_path):
    import pytest

    cache = make(tmp_path)
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("old", 1, 0.01)
    time.sleep(0.05)
    with pytest.raises(ValueError):
        cache.incr("old")
