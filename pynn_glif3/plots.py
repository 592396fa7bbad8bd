"""Figures of a V1 run, as PNG: a raster of one sample, population rates, confusion matrix."""

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def raster(path, spikes, populations, title, window=None, dt=1.0):
    """Spike raster (rows = neurons grouped by population) of one sample."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 6))
    offset, ticks, labels = 0, [], []
    groups = populations or {"all": np.arange(spikes.shape[1])}
    colours = plt.get_cmap("tab20")
    for k, (name, idx) in enumerate(groups.items()):
        steps, cols = np.nonzero(spikes[:, idx])
        ax.plot(steps * dt, offset + cols, "|", ms=1.5, color=colours(k % 20))
        ticks.append(offset + len(idx) / 2)
        labels.append(name)
        offset += len(idx)
    if window is not None:
        ax.axvspan(window[0] * dt, window[1] * dt, color="0.85", zorder=0, label="response window")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlabel("time in trial (ms)")
    ax.set_xlim(0, spikes.shape[0] * dt)
    ax.set_ylim(0, offset)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def population_rates(path, rates, title):
    """Bar chart of the mean firing rate (Hz) per population."""
    plt = _pyplot()
    names = list(rates)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(range(len(names)), [rates[n] for n in names],
           color=["tab:red" if n.endswith("_E") else "tab:blue" for n in names])
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("firing rate (Hz)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def confusion(path, matrix, title):
    """Confusion matrix: rows true class, columns predicted class."""
    plt = _pyplot()
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    im = ax.imshow(matrix, cmap="Blues")
    for (i, j), v in np.ndenumerate(matrix):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                    color="white" if v > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
