"""The terminal progress bar, apart from the run report so that ``news-etl
profile`` can draw it without importing Prefect.

``news-etl run`` hands it the console Prefect's log handler prints to (log lines
then land above the bar instead of through it); without one it draws on stderr.
"""
from __future__ import annotations

import sys
import time


class ProgressBar:
    """batches done / total, files done / total, files/s, elapsed time."""

    def __init__(self, batches: int, files: int, console=None, label: str = "cleaning") -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        from rich.theme import Theme

        self.started = time.perf_counter()
        self.done = 0
        self._themed = console is not None
        if console is None:
            console = Console(file=sys.stderr)
        else:  # Prefect's theme does not inherit rich's defaults, which the bar's styles need
            console.push_theme(Theme(), inherit=True)
        try:
            self.progress = Progress(
                TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("batches,"),
                TextColumn("{task.fields[done]}/{task.fields[files]} files,"), TextColumn("{task.fields[rate]:.0f} files/s"),
                TimeElapsedColumn(), console=console, transient=False, refresh_per_second=4)
            self.task = self.progress.add_task("batches", total=batches, done=0, files=files, rate=0.0)
            self.progress.start()
        except Exception:
            self._pop_theme(console)
            raise
        self.console = console

    def advance(self, n_files: int) -> None:
        self.done += n_files
        rate = self.done / max(time.perf_counter() - self.started, 1e-6)
        self.progress.update(self.task, advance=1, done=self.done, rate=rate)

    def stop(self) -> None:
        try:
            self.progress.stop()
        finally:
            self._pop_theme(self.console)

    def _pop_theme(self, console) -> None:
        if self._themed:
            self._themed = False
            console.pop_theme()
