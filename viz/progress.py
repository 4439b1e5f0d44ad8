"""`progress`: a tqdm progress bar for training loops, or plain lines when tqdm is missing."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, Any


class Progress:
    """Iterate through it; `.set(loss=0.42)` shows live numbers next to the bar.

    With tqdm installed (the `viz` extra) this is a tqdm bar; otherwise it prints one plain line
    at about every tenth of the way (and at the end), so logs stay readable without tqdm.
    """

    def __init__(self, iterable: Iterable | None = None, total: int | None = None, desc: str = "",
                 enabled: bool = True, file: IO[str] | None = None, use_tqdm: bool | None = None) -> None:
        if iterable is None and total is None:
            raise ValueError("progress: give an iterable or a total")
        self.iterable = range(total) if iterable is None else iterable
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.desc = desc
        self.enabled = enabled
        self.file = file or sys.stderr
        self.stats: dict[str, float] = {}
        self.count = 0
        self._bar = None
        if enabled and use_tqdm is not False:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                if use_tqdm:
                    raise
            else:
                self._bar = tqdm(total=self.total, desc=desc, file=self.file, dynamic_ncols=True)
        self._next_line = 0
        self._started = time.perf_counter()

    def __iter__(self) -> Iterator[Any]:
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __len__(self) -> int:
        if self.total is None:
            raise TypeError("progress: this iterable has no length")
        return self.total

    def set(self, **stats: float) -> None:
        """Show these numbers (loss, accuracy, ...) from now on."""
        self.stats.update(stats)
        if self._bar is not None:
            self._bar.set_postfix({k: _short(v) for k, v in self.stats.items()}, refresh=False)

    def update(self, n: int = 1) -> None:
        """Count `n` more items done and redraw the bar (or print a line when it is due)."""
        self.count += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
        elif self.count >= self._next_line or (self.total is not None and self.count >= self.total):
            self._print_line()
            step = max(1, (self.total or 10) // 10)
            self._next_line = self.count + step

    def _print_line(self) -> None:
        done = f"{self.count}/{self.total}" if self.total is not None else str(self.count)
        numbers = "  ".join(f"{k}={_short(v)}" for k, v in self.stats.items())
        elapsed = time.perf_counter() - self._started
        print(f"{self.desc + ' ' if self.desc else ''}{done}  {elapsed:.1f}s  {numbers}".rstrip(), file=self.file)

    def close(self) -> None:
        """Close the tqdm bar, if any; safe to call twice."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def progress(iterable: Iterable | None = None, total: int | None = None, desc: str = "",
             enabled: bool = True, file: IO[str] | None = None, use_tqdm: bool | None = None) -> Progress:
    """Wrap a training loop: `for step in (bar := viz.progress(range(1000), desc="train")): ...`."""
    return Progress(iterable, total, desc, enabled, file, use_tqdm)
