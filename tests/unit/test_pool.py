"""The follow pool's waits: an idle pool wakes one worker per due timer, never all of them,
and still runs every task on time and in parallel when there is work.

Wake-ups are counted at the pool's two conditions (the idle workers' and the clock's), so
the tests do not depend on how busy the machine is; time bounds are generous."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from vaetui.core.pool import FollowPool


class Periodic:
    """A task that records its steps and asks to run again after ``delay`` seconds."""

    def __init__(self, delay: float, work: Callable[[], None] | None = None) -> None:
        self.delay = delay
        self.work = work
        self.steps: list[tuple[float, bool, str]] = []

    def step(self, timed_out: bool) -> float | None:
        self.steps.append((time.monotonic(), timed_out, threading.current_thread().name))
        if self.work is not None:
            self.work()
        return self.delay


class Counted:
    """Wraps a condition's ``wait`` and counts the returns, per thread name."""

    def __init__(self, cond: threading.Condition) -> None:
        self.returns: dict[str, int] = {}
        self._wait = cond.wait
        cond.wait = self._counted  # type: ignore[method-assign]

    def _counted(self, timeout: float | None = None) -> bool:
        woke = self._wait(timeout)
        name = threading.current_thread().name
        self.returns[name] = self.returns.get(name, 0) + 1
        return woke


@pytest.fixture
def pool() -> Iterator[FollowPool]:
    made = FollowPool(workers=3)
    yield made
    for slot in list(made._slots.values()):
        made.remove(slot.task)


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_an_idle_pool_wakes_only_the_worker_that_watches_the_clock(pool: FollowPool) -> None:
    idle, clock = Counted(pool._cond), Counted(pool._clock)
    task = Periodic(0.02)
    pool.add(task)
    wait_for(lambda: len(task.steps) >= 25)
    timed = [s for s in task.steps[1:] if s[1]]
    assert len(timed) >= 20  # every later step ran because its timer ran out
    # The first step (of unknown length) hands the clock over once; after that the idle
    # workers sleep through every timer instead of waking with it.
    assert sum(idle.returns.values()) <= 3, idle.returns
    assert sum(clock.returns.values()) >= 20


def test_a_timer_fires_while_a_long_step_of_another_task_runs(pool: FollowPool) -> None:
    release = threading.Event()
    slow = Periodic(0.0, lambda: release.wait(10.0))
    quick = Periodic(0.02)
    pool.add(quick)
    wait_for(lambda: len(quick.steps) >= 3)
    pool.add(slow)  # its first step blocks until released: another worker keeps the clock
    wait_for(lambda: len(slow.steps) == 1)
    before = len(quick.steps)
    wait_for(lambda: len(quick.steps) >= before + 5)
    assert len(slow.steps) == 1  # still inside its first step
    release.set()


def test_tasks_woken_together_run_on_different_workers(pool: FollowPool) -> None:
    inside = threading.Barrier(2, timeout=10.0)
    tasks = [Periodic(30.0, inside.wait), Periodic(30.0, inside.wait)]
    for task in tasks:
        pool.add(task)  # both steps meet at the barrier: they must run at the same time
    wait_for(lambda: all(task.steps for task in tasks))
    assert tasks[0].steps[0][2] != tasks[1].steps[0][2]


def test_a_wake_runs_a_waiting_task_at_once_and_an_early_timer_is_kept(
    pool: FollowPool,
) -> None:
    task = Periodic(30.0)
    pool.add(task)
    wait_for(lambda: len(task.steps) == 1)
    pool.wake(task)
    wait_for(lambda: len(task.steps) == 2, timeout=5.0)
    assert task.steps[1][1] is False  # woken, not timed out
    pool.wake(task, at=time.monotonic() + 0.05)  # a deferred wake before the 30 s timer
    wait_for(lambda: len(task.steps) == 3, timeout=5.0)


def test_the_workers_end_with_the_last_task(pool: FollowPool) -> None:
    tasks = [Periodic(0.01), Periodic(5.0)]
    for task in tasks:
        pool.add(task)
    wait_for(lambda: len(tasks[0].steps) >= 3)
    threads = list(pool._threads)
    assert len(threads) == 3
    for task in tasks:
        pool.remove(task)
    for thread in threads:
        thread.join(timeout=5.0)
        assert not thread.is_alive()
    count = len(tasks[0].steps)
    time.sleep(0.05)
    assert len(tasks[0].steps) == count  # no step after remove() returned
