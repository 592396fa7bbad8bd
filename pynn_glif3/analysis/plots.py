"""Figures of a V1 run, as PNG: a raster of one sample, population rates, confusion matrix."""

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


#: raster colour per cell class (the part of a population name after the layer): saturated
#: colours, all of them dark enough to stand out on the response window's pale band
CLASS_COLOURS = {"E": "#c0392b", "Pvalb": "#1f5fa8", "Sst": "#1e8449", "Htr3a": "#7d3c98"}
OTHER_COLOURS = ("#333333", "#b9770e", "#117a65", "#6c3483")
#: the response window's band: pale, under the spikes
WINDOW_COLOUR = "#fcf1cc"
#: population rates: excitatory, inhibitory, class unknown
E_COLOUR, I_COLOUR, UNKNOWN_COLOUR = "tab:red", "tab:blue", "0.55"
INHIBITORY_CLASSES = ("Pvalb", "Sst", "Htr3a")


def cell_class(population):
    """``"L23_Pvalb"`` -> ``"Pvalb"``; a name without a layer prefix is its own class."""
    return population.rsplit("_", 1)[-1]


def spread_labels(centres, gap, low, high):
    """Label positions as near as possible to ``centres`` (ascending) and at least ``gap`` apart,
    within [low, high] where there is room."""
    pos = []
    for c in centres:
        pos.append(max(c, pos[-1] + gap) if pos else max(c, low))
    for i in range(len(pos) - 1, -1, -1):        # pushed past the top: move down
        ceiling = high if i == len(pos) - 1 else pos[i + 1] - gap
        pos[i] = min(pos[i], ceiling)
    return pos


def raster(path, spikes, populations, title, window=None, dt=1.0):
    """Spike raster (rows = neurons grouped by population) of one sample; returns the Figure.

    Spikes are coloured by cell class (legend); population labels are spread so that they do not
    overlap, each joined to the middle of its rows by a line."""
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    fig, ax = plt.subplots(figsize=(10, 6))
    offset, centres, names, classes = 0, [], [], {}
    groups = populations or {"all": np.arange(spikes.shape[1])}
    for name, idx in groups.items():
        cls = cell_class(name)
        if cls not in classes:
            classes[cls] = CLASS_COLOURS.get(cls) or OTHER_COLOURS[len(classes) % len(OTHER_COLOURS)]
        colour = classes[cls]
        steps, cols = np.nonzero(spikes[:, idx])
        ax.plot(steps * dt, offset + cols, "|", ms=2.0, mew=0.7, color=colour, zorder=2)
        if offset:
            ax.axhline(offset, color="0.8", lw=0.4, zorder=1)
        centres.append(offset + len(idx) / 2)
        names.append(name)
        offset += len(idx)
    known = list(CLASS_COLOURS)
    order = sorted(classes, key=lambda k: known.index(k) if k in known else len(known))
    handles = [Line2D([], [], ls="", marker="|", ms=8, mew=2, color=classes[k], label=k) for k in order]
    if window is not None:
        ax.axvspan(window[0] * dt, window[1] * dt, color=WINDOW_COLOUR, zorder=0)
        for edge in window:
            ax.axvline(edge * dt, color="0.45", lw=0.8, ls="--", zorder=1)
        handles.append(Patch(facecolor=WINDOW_COLOUR, edgecolor="0.45", ls="--", label="response window"))
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(handles),
              fontsize=8, frameon=False, borderaxespad=0.2)
    ax.set_xlabel("time in trial (ms)")
    ax.set_xlim(0, spikes.shape[0] * dt)
    ax.set_ylim(0, max(offset, 1))
    ax.set_yticks([])
    ax.set_ylabel("neurons by population", labelpad=70)
    # labels of 7 pt (about 9 pt with ascenders and descenders) plus a little: the gap in rows,
    # from the axes' height in points
    height_pt = ax.get_position().height * fig.get_figheight() * 72
    gap = 10.0 / height_pt * max(offset, 1)
    label_y = spread_labels(centres, gap, gap / 2, max(offset, 1) - gap / 2)
    where = blended_transform_factory(ax.transAxes, ax.transData)
    for name, centre, y in zip(names, centres, label_y):
        ax.annotate(name, xy=(0, centre), xycoords=where, xytext=(-0.035, y), textcoords=where,
                    ha="right", va="center", fontsize=7, annotation_clip=False,
                    arrowprops=dict(arrowstyle="-", lw=0.5, color="0.5", shrinkA=1, shrinkB=0))
    ax.set_title(title, fontsize=10, loc="left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return fig


def population_rates(path, rates, title):
    """Bar chart of the mean firing rate (Hz) per population, excitatory red, inhibitory blue
    (legend); returns the Figure."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    names = list(rates)
    kinds = {"excitatory (E)": E_COLOUR, f"inhibitory ({', '.join(INHIBITORY_CLASSES)})": I_COLOUR,
             "cell class unknown": UNKNOWN_COLOUR}
    labels = list(kinds)

    def kind(name):
        cls = cell_class(name)
        return labels[0] if cls == "E" else labels[1] if cls in INHIBITORY_CLASSES else labels[2]

    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(range(len(names)), [rates[n] for n in names], color=[kinds[kind(n)] for n in names])
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("firing rate (Hz)")
    present = {kind(n) for n in names}
    ax.legend(handles=[Patch(color=kinds[k], label=k) for k in labels if k in present],
              fontsize=8, loc="upper left")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return fig


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
