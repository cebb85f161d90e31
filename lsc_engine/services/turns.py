"""Turns at evaluating: how many threads of a process evaluate at once, a submission's turn before a self-check's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    """A bound on the threads that evaluate at once, which hands a free turn to a waiting submission first.

    Evaluating is pure Python holding the interpreter's lock, so a process evaluates on one core however many
    threads take turns at it; bounded, fewer of them keep the lock from a thread writing under the audit chain's
    head. A submission is stored and answered with its record, a self-check only answered, so when both wait
    the submission goes first, and no self-check starts while a submission is being stored (``storing``): on a
    busy process the evaluation would take the core from the writes that hold the head. Self-checks keep their
    turns among themselves in no set order. Without a bound (``slots`` None) every thread evaluates at once.
    """

    def __init__(self, slots: int | None) -> None:
        if slots is not None and slots < 1:
            raise ValueError("a bound on evaluations needs at least one slot")
        self._slots = slots
        self._busy = 0
        self._waiting = 0
        self._submissions_waiting = 0
        self._submissions_storing = 0
        self._changed = threading.Condition()

    def waiting(self) -> int:
        """Return how many threads are waiting for a turn."""
        with self._changed:
            return self._waiting

    @contextmanager
    def turn(self, *, submission: bool) -> Iterator[None]:
        """Wait for a turn to evaluate and hold it for the block."""
        if self._slots is None:
            yield
            return
        with self._changed:
            self._waiting += 1
            self._submissions_waiting += submission
            try:
                while self._busy >= self._slots or (not submission and self._submissions_ahead()):
                    self._changed.wait()
            finally:
                self._waiting -= 1
                self._submissions_waiting -= submission
            self._busy += 1
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def turn_now(self) -> Iterator[bool]:
        """Take a self-check's turn at once if it is free and no one waits for one; yield whether it was taken.

        Nothing waits here: a caller on the event loop, which must not block, is told no when every turn is taken
        (with a bound), a thread waits for one, or a submission is being stored, and hands its work to a thread.
        """
        with self._changed:
            taken = self._waiting == 0 and not self._submissions_ahead()
            taken = taken and (self._slots is None or self._busy < self._slots)
            if taken:
                self._busy += 1
        if not taken:
            yield False
            return
        try:
            yield True
        finally:
            self._release()

    def _release(self) -> None:
        """Give a turn back and wake whoever waits for one."""
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    @contextmanager
    def storing(self) -> Iterator[None]:
        """Hold back self-checks while a submission that has evaluated is stored, so that its writes get the core."""
        with self._changed:
            self._submissions_storing += 1
        try:
            yield
        finally:
            with self._changed:
                self._submissions_storing -= 1
                self._changed.notify_all()

    def _submissions_ahead(self) -> bool:
        """Tell whether a submission waits for a turn or is being stored (the condition's lock held)."""
        return bool(self._submissions_waiting or self._submissions_storing)
