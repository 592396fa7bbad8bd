"""The V1 job's figures: legends, readable raster labels, spikes visible in the response window."""

import itertools

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_rgb, to_rgba  # noqa: E402

from pynn_glif3.analysis import plots  # noqa: E402
from pynn_glif3.model.network import CELL_CLASSES  # noqa: E402


def _luminance(rgb):
    """WCAG relative luminance of an sRGB colour."""
    c = np.asarray(rgb, float)
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def _contrast(a, b):
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _over_white(rgba):
    r, g, b, a = to_rgba(rgba)
    return tuple(a * np.array([r, g, b]) + (1 - a))


@pytest.fixture(scope="module")
def v1_like():
    """A raster with the V1 model's populations: large excitatory ones and small inhibitory ones
    (a few neurons each), the case where labels crowd."""
    rng = np.random.default_rng(0)
    sizes = {name: (300 if name.endswith("_E") else 4) for name in CELL_CLASSES}
    populations, start = {}, 0
    for name, n in sizes.items():
        populations[name] = np.arange(start, start + n)
        start += n
    spikes = rng.random((120, start)) < 0.02
    return spikes, populations


def test_population_rates_have_a_legend_for_their_colours(tmp_path, v1_like):
    _, populations = v1_like
    rates = {name: float(i + 1) for i, name in enumerate(populations)}
    fig = plots.population_rates(str(tmp_path / "rates.png"), rates, "rates")
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    entries = {t.get_text(): to_rgb(h.get_facecolor()) for t, h in
               zip(legend.get_texts(), legend.legend_handles)}
    assert set(entries) == {"excitatory (E)", "inhibitory (Pvalb, Sst, Htr3a)"}
    for bar, name in zip(ax.patches, rates):
        key = "excitatory (E)" if name.endswith("_E") else "inhibitory (Pvalb, Sst, Htr3a)"
        assert to_rgb(bar.get_facecolor()) == entries[key], name


def test_raster_population_labels_do_not_overlap(tmp_path, v1_like):
    spikes, populations = v1_like
    fig = plots.raster(str(tmp_path / "raster.png"), spikes, populations, "sample 0", window=(50, 100))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    renderer = FigureCanvasAgg(fig).get_renderer()          # the closed figure, drawn again
    texts = [t for ax in fig.axes for t in list(ax.get_yticklabels()) + list(ax.texts)
             if t.get_text() in populations and t.get_visible()]
    assert sorted(t.get_text() for t in texts) == sorted(populations)       # every one labelled
    from matplotlib.text import Text
    boxes = [Text.get_window_extent(t, renderer) for t in texts]       # the text, not its leader line
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, texts), 2):
        assert not a.overlaps(b), f"labels {ta.get_text()} and {tb.get_text()} overlap"


def test_raster_spikes_stand_out_on_the_response_window(tmp_path, v1_like):
    spikes, populations = v1_like
    fig = plots.raster(str(tmp_path / "raster.png"), spikes, populations, "sample 0", window=(50, 100))
    ax = fig.axes[0]
    bands = [p for p in ax.patches if p.get_zorder() < 2]
    assert bands, "no response-window band"
    band = _over_white(bands[0].get_facecolor())
    spike_lines = [ln for ln in ax.lines if ln.get_marker() == "|" and len(ln.get_xdata())]
    assert len(spike_lines) == len(populations)
    for line in spike_lines:
        assert line.get_zorder() > bands[0].get_zorder()                  # drawn over the band
        # WCAG's 3:1 for graphics: each population's spikes are readable on the band
        assert _contrast(to_rgb(line.get_color()), band) >= 3.0, line.get_color()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:4] == ["E", "Pvalb", "Sst", "Htr3a"] and "response window" in legend


def test_spread_labels_keep_their_gap_and_order():
    centres = [2, 150, 151, 152, 153, 300, 301, 598, 599]
    pos = plots.spread_labels(centres, 10.0, 0.0, 600.0)
    assert np.all(np.diff(pos) >= 10.0 - 1e-9)
    assert pos[0] >= 0.0 and pos[-1] <= 600.0
    assert abs(pos[0] - 2) < 1e-9                       # no need to move the first
