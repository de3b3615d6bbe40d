"""The progress bar of the fine-tuning commands: batches done of the total, and the last loss."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def batch_progress(desc: str = "fine-tuning") -> Iterator[Callable[[int, int, float], None]]:
    """A `progress(step, total, loss)` callback for the trainers, drawing one tqdm bar."""
    with tqdm(desc=desc, unit="batch") as bar:

        def progress(step: int, total: int, loss: float) -> None:
            bar.total = total
            bar.update(step - bar.n)
            bar.set_postfix(loss=f"{loss:.3f}")

        yield progress
