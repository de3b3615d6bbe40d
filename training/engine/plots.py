"""PNG charts of evaluation metrics (matplotlib, no display). Plain Python."""

from __future__ import annotations

import io

PLOTTED = ["ndcg", "hr", "recall", "map", "cum_hr", "coverage"]


def metrics_bar_chart(results: dict[str, dict[str, float]], title: str) -> bytes:
    """One group of bars per metric, one bar per model; returns PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = [m for m in PLOTTED if any(m in values for values in results.values())]
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    width = 0.8 / max(len(results), 1)
    positions = np.arange(len(metrics))
    for offset, (model, values) in enumerate(results.items()):
        heights = [values.get(metric, 0.0) or 0.0 for metric in metrics]
        bars = axes.bar(positions + offset * width, heights, width, label=model)
        axes.bar_label(bars, fmt="%.3f", fontsize=7, padding=1)
    axes.set_xticks(positions + width * (len(results) - 1) / 2, [f"{m}@k" if m != "coverage" else m for m in metrics])
    axes.set_ylim(0, 1)
    return _finished_png(figure, axes, title)


def loss_curve_png(losses: list[float], title: str) -> bytes:
    """Training loss per step (and its running mean over ~5% of the steps); returns PNG bytes."""
    figure, axes, _ = _per_step_curve(losses, "loss per step", window=max(1, len(losses) // 20))
    axes.set_xlabel("step")
    axes.set_ylabel("loss (answer tokens)")
    return _finished_png(figure, axes, title)


def reward_curve_png(rewards: list[float], parts: dict[str, list[float]], title: str) -> bytes:
    """Mean reward per step (with its running mean over ~20% of the steps) and each reward's mean;
    returns PNG bytes."""
    figure, axes, steps = _per_step_curve(rewards, "mean reward per step", window=max(1, len(rewards) // 5))
    for name, values in parts.items():
        axes.plot(steps, values, linewidth=0.8, linestyle="--", label=name)
    axes.set_xlabel("GRPO step")
    axes.set_ylabel("reward (sum of the rewards, each 0-1)")
    return _finished_png(figure, axes, title)


def _per_step_curve(values: list[float], label: str, *, window: int):
    """(figure, axes, steps) with the values per step, faint, and their running mean over `window` steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    steps = np.arange(1, len(values) + 1)
    axes.plot(steps, values, linewidth=0.8, alpha=0.5, label=label)
    if len(values) >= window > 1:
        smooth = np.convolve(values, np.ones(window) / window, mode="valid")
        axes.plot(steps[window - 1 :], smooth, linewidth=1.8, label=f"mean of {window} steps")
    return figure, axes, steps


def _finished_png(figure, axes, title: str) -> bytes:
    """Title, legend and layout, then the figure as PNG bytes (and closed)."""
    import matplotlib.pyplot as plt

    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
