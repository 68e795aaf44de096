"""The plot helpers: Figures with labelled axes, palette colours, no global pyplot state."""

from __future__ import annotations

import re

import numpy as np
import pytest
from logitlab import plots
from logitlab.errors import LogitlabInputError
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

BUILDERS = {
    "probability_bars": lambda: plots.probability_bars([0.659, 0.242, 0.099], ["cat", "dog", "bird"]),
    "exp_curve": lambda: plots.exp_curve(),
    "loss_curve": lambda: plots.loss_curve(),
}


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_palette_is_okabe_ito():
    assert len(plots.OKABE_ITO) == 8 and len(set(plots.PALETTE)) == 8
    assert set(plots.PALETTE) == set(plots.OKABE_ITO.values())
    assert plots.OKABE_ITO["blue"] == "#0072B2" and plots.OKABE_ITO["vermillion"] == "#D55E00"


@pytest.mark.parametrize("name", BUILDERS)
def test_every_helper_returns_a_figure_with_labelled_axes(name):
    fig = BUILDERS[name]()
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
    png = fig._repr_png_()  # how Jupyter shows it, with or without pyplot
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


def test_no_pyplot_state_is_touched():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for build in BUILDERS.values():
        build()
    assert plt.get_fignums() == before


def test_probability_bars_draw_the_values():
    fig = plots.probability_bars([0.659, 0.242, 0.099], ["cat", "dog", "bird"], title="softmax")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([0.659, 0.242, 0.099])
    assert {to_hex(p.get_facecolor()).upper() for p in ax.patches} <= set(plots.PALETTE)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "bird"]
    assert texts(ax) == ["0.659", "0.242", "0.099"]
    assert ax.get_title() == "softmax" and ax.get_ylim()[1] > 1


def test_probability_bars_default_labels():
    ax = plots.probability_bars(np.array([0.5, 0.5])).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["class 0", "class 1"]


@pytest.mark.parametrize(
    "args, words",
    [
        (([3.0, 1.0, 0.0],), "probs must be probabilities between 0 and 1"),
        (([0.5, 0.2, 0.1],), "probs sums to 0.8, not 1: pass probabilities"),
        (([0.5, np.nan, 0.5],), "probs contains nan"),
        ((["a", "b"],), "probs must be a list or 1-D array of numbers"),
        (([0.5, 0.5], ["only one"]), "labels must have 2 entries"),
    ],
)
def test_probability_bars_bad_input(args, words):
    with pytest.raises(LogitlabInputError, match=re.escape(words)):
        plots.probability_bars(*args)


def test_exp_curve_marks_the_overflow_point():
    ax = plots.exp_curve(-10, 800).axes[0]
    assert plots.OVERFLOW == pytest.approx(709.7827, abs=1e-4)
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(np.nextafter(plots.OVERFLOW, np.inf)))
    assert np.isfinite(np.exp(plots.OVERFLOW))
    vlines = [l for l in ax.lines if np.allclose(l.get_xdata(), plots.OVERFLOW)]
    assert len(vlines) == 1 and "709.78" in vlines[0].get_label()
    curve = ax.lines[0]
    x, y = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    assert x.max() == pytest.approx(plots.OVERFLOW) and np.isfinite(y).all()
    assert y == pytest.approx(x / np.log(10))  # log10(e^x): e^300 has about 130 digits
    assert np.interp(300.0, x, y) == pytest.approx(np.log10(np.exp(300.0)))
    assert ax.get_xlim() == (-10, 800)


def test_exp_curve_below_overflow_has_no_marker():
    ax = plots.exp_curve(-5, 5).axes[0]
    assert len(ax.lines) == 1 and ax.get_xlim() == (-5, 5)


@pytest.mark.parametrize(
    "args, words",
    [
        ((5, 5), "xmin must be less than xmax"),
        ((10, -10), "xmin must be less than xmax"),
        (("low", 5), "xmin must be a number"),
        ((0, np.inf), "xmax must be finite"),
    ],
)
def test_exp_curve_bad_input(args, words):
    with pytest.raises(LogitlabInputError, match=re.escape(words)):
        plots.exp_curve(*args)


def test_loss_curve_labels_the_curriculum_table():
    ax = plots.loss_curve((0.99, 0.9, 0.8, 0.5, 0.1, 0.01)).axes[0]
    assert sorted(texts(ax)) == sorted(
        ["p=0.99: 0.01", "p=0.9: 0.11", "p=0.8: 0.22", "p=0.5: 0.69", "p=0.1: 2.30", "p=0.01: 4.61"]
    )
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert y == pytest.approx(-np.log(x)) and x.max() == 1.0


@pytest.mark.parametrize("marks", [(0.0,), (1.5,), (-0.1, 0.5)])
def test_loss_curve_bad_marks(marks):
    with pytest.raises(LogitlabInputError, match=re.escape("marks must be probabilities in (0, 1]")):
        plots.loss_curve(marks)


def test_new_figure_and_to_png_serve_the_widgets():
    fig = plots.new_figure(4.0, 2.0)
    assert isinstance(fig, Figure) and tuple(fig.get_size_inches()) == (4.0, 2.0) and not fig.axes
    fig.add_subplot().plot([0, 1], [1, 0], color=plots.MAIN)
    png = plots.to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png == fig._repr_png_()
