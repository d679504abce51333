"""Run a per-value library function over many values on every core.

The e-mail and phone checks call their library once per distinct value the vectorised fast
paths cannot decide. Usually that is a handful; on unusual data it can be most values, and the
libraries are pure Python (tens of microseconds a call), so large batches are split over a
process pool. Results come back in input order whatever the number of workers, so verdicts
never depend on the machine.

Workers are started with ``spawn`` (never ``fork``: forking a process that runs polars' thread
pool can deadlock, and spawn behaves the same on every platform), so ``func`` must be a
module-level function: it is pickled by reference and its module imported in each worker. A
worker start costs about as much as importing veracity (~1-2 s on a laptop), which is why small
batches stay in this process. Where no process can be started (restricted sandboxes, a broken
pool), the batch runs here instead: slower, same result. ``VERACITY_WORKERS=1`` turns the pool
off. As with any library that uses ``spawn``, a script calling veracity must guard its entry
point (``if __name__ == "__main__":``), since workers import the main module; the ``veracity``
command and ``python -m veracity`` need nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TypeVar

from veracity._cores import worker_count

__all__ = ["PARALLEL_THRESHOLD", "map_batches", "worker_count"]

T = TypeVar("T")
R = TypeVar("R")

#: Default batch size from which a pool is used. Starting the workers costs about 2 s (each
#: imports veracity and its libraries); with w free cores a pool saves (1 - 1/w) of the calls'
#: time, so on two cores it wins once the calls take about 4 s: ~50,000 phone numbers at
#: 60-125 us a call (benchmarks/DIFFERENTIAL.md has the measurements).
PARALLEL_THRESHOLD = 50_000
#: Values per task: small enough to balance the workers, large enough to amortise pickling.
_CHUNK = 2_000


def map_batches(
    func: Callable[[list[T]], list[R]], items: Sequence[T], *, threshold: int = PARALLEL_THRESHOLD
) -> list[R]:
    """``func`` applied to ``items`` (``func`` maps a list to a list of the same length), in
    worker processes when there are at least ``threshold`` items and more than one core."""
    workers = min(worker_count(), -(-len(items) // _CHUNK))
    if len(items) < threshold or workers < 2:
        return func(list(items))
    chunks = [list(items[start : start + _CHUNK]) for start in range(0, len(items), _CHUNK)]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(func, chunks))
    except (OSError, BrokenProcessPool):
        return func(list(items))
    return [result for chunk in results for result in chunk]
