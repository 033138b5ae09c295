"""Ctrl-C and SIGTERM in the rehearsal: every process started so far is stopped, and the
CLI exits 130, wherever the signal lands.

Python runs a signal handler between two bytecodes of the main thread, wherever that
thread is. When it is inside a callback whose exceptions the interpreter only prints
(a weakref callback during an import: "Exception ignored in ..."), the
``KeyboardInterrupt`` the handler raises is swallowed and the rehearsal would go on. So
the handler also remembers the signal, and :func:`raise_if_interrupted` (called at the end
of every step) raises it again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = [
    "deferred_interrupts",
    "exit_if_threads_linger",
    "handling_interrupts",
    "raise_if_interrupted",
]

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []


def _on_signal(signum: int, _frame: Any) -> None:
    """Signal handler: remember the signal, then raise ``KeyboardInterrupt``."""
    _received.append(signum)
    raise KeyboardInterrupt


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if a signal arrived whose exception was swallowed."""
    if _received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def handling_interrupts() -> Iterator[None]:
    """SIGINT and SIGTERM both end the block with ``KeyboardInterrupt`` (and are
    remembered, see the module docstring); the previous handlers come back after it."""
    old = {sig: signal.getsignal(sig) for sig in SIGNALS}
    _received.clear()
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        _received.clear()


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while a child is starting (so its handle is not lost), then
    deliver them. Only in the main thread; a no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in old:
        signal.signal(sig, lambda signum, _frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if pending:
            _received.extend(pending)
            raise KeyboardInterrupt


def exit_if_threads_linger(code: int) -> None:
    """An interrupted deploy leaves the in-process engine's executor threads calling the
    (stopped) emulator; the interpreter would join them at exit (about 15 s of botocore
    retries). Every process is stopped by now, so exit at once."""
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
