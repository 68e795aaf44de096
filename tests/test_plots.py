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


# ---- the figures of the course: one per idea ------------------------------------------------

ATTENTION = np.array([[1.0, 0.0, 0.0], [0.3, 0.7, 0.0], [0.2, 0.5, 0.3]])
CURVE_STEPS = np.arange(60)
FIGURES = {
    "exp_gaps": lambda: plots.exp_gaps(),
    "loss_table_curve": lambda: plots.loss_table_curve(),
    "temperature_bars": lambda: plots.temperature_bars(),
    "logsumexp_vs_max": lambda: plots.logsumexp_vs_max(),
    "gradient_arrows": lambda: plots.gradient_arrows(),
    "sequence_loss_map": lambda: plots.sequence_loss_map(),
    "attention_weights": lambda: plots.attention_weights(ATTENTION, ["the", "cat", "sat"]),
    "logits_memory": lambda: plots.logits_memory(),
    "training_curves": lambda: plots.training_curves(
        2.0 * np.exp(-CURVE_STEPS / 10) + 0.5, 2.0 * np.exp(-CURVE_STEPS / 10) + 0.7 + 0.01 * CURVE_STEPS
    ),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_course_figure_has_labelled_axes_palette_colours_and_alt_text(name, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    fig = FIGURES[name]()
    assert isinstance(fig, Figure)
    plotted = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in plotted:
        assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
    drawn = {to_hex(line.get_color()).upper() for ax in plotted for line in ax.get_lines()}
    drawn |= {to_hex(p.get_facecolor()).upper() for ax in plotted for p in ax.patches}
    assert drawn <= set(plots.PALETTE) | {"#808080", "#FFFFFF"}, f"colours outside the palette: {drawn}"
    bundle = fig._repr_mimebundle_()
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert len(fig.alt_text) > 60 and bundle["text/plain"] == fig.alt_text


@pytest.mark.parametrize("name", FIGURES)
def test_course_figures_draw_nothing_while_grading(name, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    before = plt.get_fignums()
    out = FIGURES[name]()
    assert isinstance(out, plots.Skipped) and "skipped while grading" in out._repr_mimebundle_()["text/plain"]
    assert plt.get_fignums() == before


def test_exp_gaps_shows_the_gap_becoming_a_ratio():
    fig = plots.exp_gaps()
    left, right = fig.axes
    assert [p.get_height() for p in right.patches] == pytest.approx(np.exp([3.0, 1.0, 0.0]))
    assert "gap of 2" in left.get_title() and "7.39" in right.get_title()
    assert "20.09, 2.72, 1.00" in fig.alt_text


def test_loss_table_curve_marks_every_row_of_the_table():
    fig = plots.loss_table_curve()
    labels = texts(fig.axes[0])
    for p, loss in [(0.99, "0.01"), (0.9, "0.11"), (0.8, "0.22"), (0.5, "0.69"), (0.1, "2.30"), (0.01, "4.61")]:
        assert f"p={p:g}: {loss}" in labels
        assert f"p = {p:g} gives {loss}" in fig.alt_text


def test_temperature_bars_match_the_worked_table():
    fig = plots.temperature_bars()
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == pytest.approx([0.980, 0.018, 0.002, 0.844, 0.114, 0.042, 0.629, 0.231, 0.140], abs=1e-3)
    assert "T = 2: 0.629, 0.231, 0.140" in fig.alt_text


def test_temperature_bars_bad_input():
    with pytest.raises(LogitlabInputError, match="temperatures must be positive"):
        plots.temperature_bars(temperatures=(1.0, 0.0))


def test_logsumexp_lies_between_max_and_max_plus_log2():
    ax = plots.logsumexp_vs_max(4.0).axes[0]
    (x, top), (_, lse), (_, bound) = (line.get_data() for line in ax.get_lines())
    assert np.all(top <= lse) and np.all(lse <= bound + 1e-12)
    assert lse[np.argmin(np.abs(x))] == pytest.approx(np.log(2))


def test_gradient_arrows_show_p_minus_y_of_the_reship_ticket():
    fig = plots.gradient_arrows()
    labels = " ".join(texts(fig.axes[0]))
    for value in ("+0.844", "-0.886", "+0.042"):
        assert f"p - y = {value}" in labels
    assert "1 -> 1.443" in labels  # reship rises by 0.5 * 0.886
    with pytest.raises(LogitlabInputError, match="target must be a class index"):
        plots.gradient_arrows(target=3)


def test_sequence_loss_map_greys_the_padding():
    from logitlab.widgets.sequence import demo_batch

    fig = plots.sequence_loss_map()
    image = fig.axes[0].get_images()[0].get_array()
    assert np.array_equal(np.ma.getmaskarray(image), demo_batch().is_pad)
    assert sum(t.get_text().endswith("ignored") for t in fig.axes[0].texts) == demo_batch().is_pad.sum()


def test_loss_heatmap_bad_shapes():
    with pytest.raises(LogitlabInputError, match="one shape"):
        plots.loss_heatmap(np.zeros((2, 3)), [["a"] * 3] * 2, np.zeros((3, 2), bool))


def test_attention_weights_writes_each_weight_and_checks_rows():
    fig = plots.attention_weights(ATTENTION, ["the", "cat", "sat"])
    assert [t.get_text() for t in fig.axes[0].texts][:4] == ["1.00", "0.00", "0.00", "0.30"]
    assert "3 weights are exactly 0" in fig.alt_text
    with pytest.raises(LogitlabInputError, match="must be a distribution"):
        plots.attention_weights(np.full((2, 2), 0.7))
    with pytest.raises(LogitlabInputError, match="square"):
        plots.attention_weights(np.ones((2, 3)) / 3)


def test_training_curves_mark_the_validation_minimum():
    val = 2.0 * np.exp(-CURVE_STEPS / 10) + 0.7 + 0.01 * CURVE_STEPS
    fig = FIGURES["training_curves"]()
    best = int(np.argmin(val))
    assert f"step {best}" in " ".join(texts(fig.axes[0])) and "overfitting" in fig.alt_text
    with pytest.raises(LogitlabInputError, match="one loss per step"):
        plots.training_curves([1.0, 0.5], [1.0])


def test_logits_memory_is_n_times_v_times_four_bytes():
    fig = plots.logits_memory(8_192, (128_000,), chunk=1_024)
    naive, chunked = (p.get_height() for p in fig.axes[0].patches)
    assert naive == pytest.approx(8_192 * 128_000 * 4 / 1e9) and chunked == pytest.approx(8_192 * 1_024 * 4 / 1e9)
    assert "4.2 GB against 33.6 MB" in fig.alt_text
    with pytest.raises(LogitlabInputError, match="chunk must be a positive whole number"):
        plots.logits_memory(chunk=0)
