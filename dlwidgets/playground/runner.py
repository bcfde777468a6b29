"""Training in a background thread, so the notebook's kernel stays free to run cells.

PyTorch releases the GIL inside its operations, so the kernel's main thread
answers execute requests and comm messages while epochs run here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from dlwidgets.playground.trainer import Trainer


@contextmanager
def _one_intra_op_thread() -> Iterator[None]:
    """This thread runs its torch ops on itself alone while inside.

    The Playground's matrices are tiny: spreading them over torch's thread pool
    only costs synchronisation, up to ten times the work itself when the
    machine is busy. The setting is this thread's own (OpenMP and MKL keep it
    per thread); it is put back on the way out, because threads started
    meanwhile take it as their default.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class BackgroundTraining:
    """Runs ``trainer.train_epoch`` in a loop on a thread of its own and calls ``publish``
    at most ``max_fps`` times a second (frames in between are skipped, never queued).

    :meth:`stop` asks the loop to end and waits for the epoch in flight, so the
    model is consistent when it returns. An exception ends the loop and goes to
    ``on_error``.
    """

    def __init__(
        self,
        trainer: Trainer,
        publish: Callable[[], None],
        *,
        max_fps: float = 30.0,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if not max_fps > 0:
            raise ValueError(f"max_fps must be positive, got {max_fps}")
        self._trainer = trainer
        self._publish = publish
        self._period = 1.0 / max_fps
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = 0.0  # when the last frame was published (time.monotonic)

    @property
    def running(self) -> bool:
        """Whether the training thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start training (nothing happens if it already runs)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="dlwidgets-playground", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the epoch in flight and wait for it."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def run(self, epochs: int) -> None:
        """Train ``epochs`` epochs now, on a worker thread like the loop's, and wait for them."""
        failure: list[BaseException] = []
        cancel = threading.Event()

        def work() -> None:
            try:
                with _one_intra_op_thread():
                    for _ in range(epochs):
                        if cancel.is_set():
                            return
                        self._trainer.train_epoch()
            except BaseException as exc:  # raised again in the caller's thread
                failure.append(exc)

        worker = threading.Thread(target=work, name="dlwidgets-playground-step", daemon=True)
        worker.start()
        try:
            worker.join()
        except BaseException:  # an interrupted cell: stop after the epoch in flight
            cancel.set()
            worker.join()
            raise
        if failure:
            raise failure[0]

    def _loop(self) -> None:
        try:
            with _one_intra_op_thread():
                self._train_until_stopped()
        except BaseException as exc:  # a thread's failure must reach the user
            self._stop.set()
            if self._on_error is not None:
                self._on_error(exc)

    def _train_until_stopped(self) -> None:
        # Frames are due by the clock, not by the epoch: a long epoch still shows its progress.
        while not self._stop.is_set():
            self._trainer.train_epoch(after_batch=self._publish_if_due)
            self._publish_if_due()
            time.sleep(0)  # let the kernel's own thread take the GIL between epochs

    def _publish_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last >= self._period and not self._stop.is_set():
            self._last = now
            self._publish()
