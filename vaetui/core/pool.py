"""A few threads for every followed file: ``vaetui tail`` with 64 logs costs a handful.

A follower used to own a thread that slept until its file changed. With dozens of logs that
is dozens of threads fighting for the interpreter while their histories load, and the app
stops answering keys. Here a follower is a *task*: woken by its watcher (or by its safety
timer), a worker runs one ``step`` of it, which reads a bounded slice and says when to look
again. Workers take tasks in turn, so 24 growing files all move on, and a task never runs on
two workers at once. Workers start with the first task and end with the last.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
import time
from collections import deque
from typing import Protocol

_log = logging.getLogger(__name__)

#: Worker threads of the shared pool.
WORKERS = 3
#: A worker keeps watching the clock through a step when the next timer is due at least this
#: long after the step should end (judged by the task's previous step); else another takes it.
CLOCK_MARGIN = 0.01


class Task(Protocol):
    """Something the pool runs a step of, now and then."""

    def step(self, timed_out: bool) -> float | None:
        """Do a bounded amount of work; return seconds until the next look, or None if done.

        Args:
            timed_out: the step runs because its timer ran out, not because it was woken.
        """


class _Slot:
    """The pool's bookkeeping for one task."""

    __slots__ = (
        "again",
        "again_at",
        "due",
        "queued",
        "running",
        "stopped",
        "task",
        "timed_out",
        "took",
        "woken",
    )

    def __init__(self, task: Task) -> None:
        self.task = task
        self.queued = self.running = self.again = self.stopped = self.timed_out = False
        #: The pending timer is a deferred wake, not the task's own "look again" timer.
        self.woken = False
        self.due = 0.0
        #: When the step asked for while one was running may run (monotonic seconds).
        self.again_at = 0.0
        #: Seconds the last step took (a first step, of unknown length, counts as long).
        self.took = math.inf


class FollowPool:
    """Runs the steps of many tasks on a few daemon threads.

    Args:
        workers: how many threads serve the tasks.
    """

    def __init__(self, workers: int = WORKERS) -> None:
        self._workers = workers
        lock = threading.Lock()
        #: Idle workers that do not watch the clock sleep here until there is work.
        self._cond = threading.Condition(lock)
        #: The one worker that waits for the next timer; ``remove`` waits here for a step.
        self._clock = threading.Condition(lock)
        self._done = threading.Condition(lock)
        #: Workers asleep on ``_cond`` and not yet told to wake; a worker watches the clock.
        self._idle = 0
        self._clock_watched = False
        self._ready: deque[_Slot] = deque()
        self._timers: list[tuple[float, int, _Slot]] = []
        self._order = itertools.count()
        self._slots: dict[int, _Slot] = {}
        self._threads: list[threading.Thread] = []

    def add(self, task: Task) -> None:
        """Run ``task``'s first step soon; start the workers if they are not running."""
        with self._cond:
            slot = self._slots[id(task)] = _Slot(task)
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, name=f"vaetui-pool-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._queue(slot)

    def wake(self, task: Task, at: float = 0.0) -> None:
        """Run a step of ``task`` soon (again after the current one, if it is running).

        ``at`` (``time.monotonic()`` seconds) defers the step until then: wakes that arrive
        meanwhile join the one step, so a file written line by line is read in batches.
        A wake never runs later than ``at``, nor later than the task's own timer.
        """
        with self._cond:
            slot = self._slots.get(id(task))
            if slot is None or slot.stopped:
                return
            if slot.running:
                slot.again_at = at if not slot.again else min(slot.again_at, at)
                slot.again = True
            elif not slot.queued:
                self._defer(slot, at)

    def _defer(self, slot: _Slot, at: float, wake: bool = True) -> None:
        """Queue ``slot`` now, or at ``at`` if that is later (``wake``: see ``_push_timer``).
        Holds the lock."""
        if at <= time.monotonic():
            self._queue(slot, wake)
            return
        slot.woken = True
        if slot.due > at or slot.due == 0.0:
            self._push_timer(slot, at, wake)

    def has(self, task: Task) -> bool:
        """True while ``task`` is in the pool (it has not ended or been removed)."""
        with self._cond:
            return id(task) in self._slots

    def remove(self, task: Task) -> None:
        """Run no more steps of ``task``; wait for a running one to end (not from inside it)."""
        with self._cond:
            slot = self._slots.pop(id(task), None)
            if slot is None:
                return
            slot.stopped = True
            if slot.queued:
                self._ready.remove(slot)
                slot.queued = False
            me = threading.current_thread()
            if me not in self._threads:
                while slot.running:
                    self._done.wait()
            threads = [] if self._slots else list(self._threads)
            if not self._slots:  # the workers end: wake every one of them
                self._timers.clear()
                self._idle = 0
                self._cond.notify_all()
                self._clock.notify_all()
        for thread in threads:  # the last task went: the workers end
            if thread is not threading.current_thread():
                thread.join(timeout=2.0)

    def _queue(self, slot: _Slot, wake: bool = True) -> None:
        """Make ``slot`` ready; ``wake``: rouse a worker for it. Holds the lock."""
        slot.queued = True
        self._ready.append(slot)
        if wake:
            self._wake_one()

    def _wake_one(self) -> None:
        """Rouse one sleeping worker: an idle one, else the one watching the clock (it runs
        ready work before it waits again). None asleep: a busy one finds the work on its
        return. Holds the lock."""
        if self._idle:
            self._idle -= 1
            self._cond.notify()
        elif self._clock_watched:
            self._clock.notify()

    def _push_timer(self, slot: _Slot, due: float, wake: bool = True) -> None:
        """Run ``slot`` at ``due`` (monotonic); tell the clock's watcher if it must wake
        sooner, or (``wake``) rouse an idle worker to watch it: not needed from a worker
        going back to ``_next``, which watches it itself. Holds the lock."""
        slot.due = due
        entry = (due, next(self._order), slot)
        heapq.heappush(self._timers, entry)
        if self._clock_watched:
            if self._timers[0] is entry:
                self._clock.notify()
        elif wake and self._idle:
            self._idle -= 1
            self._cond.notify()

    def _clock_needed(self, slot: _Slot, now: float) -> bool:
        """Someone must watch the clock while ``slot`` runs: a timer may come due before
        the step is over and this worker is back. Holds the lock."""
        if not self._timers or self._clock_watched:
            return False
        return self._timers[0][0] < now + slot.took + CLOCK_MARGIN

    def _next(self) -> _Slot | None:
        """The next slot to run (None: no task left, the worker ends). Holds the lock."""
        while self._slots:
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                due, _, slot = heapq.heappop(self._timers)
                if due == slot.due and not slot.stopped and not slot.queued and not slot.running:
                    slot.timed_out, slot.woken = not slot.woken, False
                    self._queue(slot, wake=False)
            if self._ready:
                slot = self._ready.popleft()
                slot.queued, slot.running = False, True
                if self._ready or self._clock_needed(slot, now):
                    self._wake_one()  # the rest of the work, or the clock, to another worker
                return slot
            if self._timers and not self._clock_watched:
                self._clock_watched = True
                try:
                    self._clock.wait(self._timers[0][0] - now)
                finally:
                    self._clock_watched = False
            else:
                self._idle += 1
                self._cond.wait()
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                slot = self._next()
                if slot is None:
                    return
                timed_out, slot.timed_out = slot.timed_out, False
            started = time.monotonic()
            delay = self._step(slot, timed_out)
            with self._cond:
                slot.running = False
                slot.took = time.monotonic() - started
                if not slot.stopped:
                    if delay == 0:
                        slot.again = False
                        self._queue(slot, wake=False)  # this worker takes it on its return
                    elif slot.again:
                        slot.again, slot.due = False, 0.0
                        self._defer(slot, slot.again_at, wake=False)
                    elif delay is not None:
                        self._push_timer(slot, time.monotonic() + delay, wake=False)
                    else:
                        self._slots.pop(id(slot.task), None)
                self._done.notify_all()

    @staticmethod
    def _step(slot: _Slot, timed_out: bool) -> float | None:
        try:
            return slot.task.step(timed_out)
        except Exception:  # a task must handle its own errors; this keeps the worker alive
            _log.exception("a follower step failed")
            return None


_shared: FollowPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> FollowPool:
    """The one pool of the process, made on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FollowPool()
        return _shared
