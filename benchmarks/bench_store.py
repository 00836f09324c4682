"""Coding-store benchmark: the cost of one durable decision.

Prints the median and 99th-percentile time of ``CodingLog.append`` (lock, write, fsync) and of a bare
``os.write`` + ``os.fsync`` of the same bytes to a file in the same folder, measured in the same run, and their
ratio. The fsync is the floor: the store should cost little beyond it.

Usage: python benchmarks/bench_store.py [--events 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pleval.coding.store import CodingLog


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pleval-bench-store-"))
    log = CodingLog(folder, "bench")
    store_ms, floor_ms = [], []
    line = b'{"id":"0123456789abcdef0123456789abcdef","action":"apply","transcript_id":"t","start":1,"end":9}\n'
    floor_path = folder / "floor.jsonl"
    for n in range(args.events):
        start = time.perf_counter()
        log.append("apply", transcript_id="bench", start=n, end=n + 40, code_id="funding", codebook_hash="x" * 64)
        store_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        fd = os.open(floor_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, line)
        os.fsync(fd)
        os.close(fd)
        floor_ms.append((time.perf_counter() - start) * 1000)
    assert len(log.replay().events) == args.events
    for name, values in (("CodingLog.append", store_ms), ("write + fsync floor", floor_ms)):
        print(f"{name:20s}: median {statistics.median(values):.2f} ms, p99 {_percentile(values, 99):.2f} ms")
    print(f"ratio store/floor (median): {statistics.median(store_ms) / statistics.median(floor_ms):.2f}")


if __name__ == "__main__":
    main()
