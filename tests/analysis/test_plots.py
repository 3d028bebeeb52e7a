"""The plotting module draws what the results say: bars, whiskers, lines, bands, cells and markers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.analysis import plots
from sim.core.model import NegotiationModel
from sim.core.params import OUTCOMES, Event, Spoiler
from sim.core.runner import block_seed, simulate
from sim.core.stats import summarize
from tests.conftest import toy_scenario
from tests.forked import run_sim


@pytest.fixture(scope="module")
def toy_run():
    """A toy run with every outcome: private resolve (without it the first package is signed), a strike-prone
    spoiler, a demanding B that may walk out, a short horizon."""
    a, b = toy_scenario().principals
    scenario = toy_scenario(
        principals=(
            dataclasses.replace(a, resolve_spread=0.1),
            dataclasses.replace(b, no_deal_value=0.65, walkout_propensity=0.3, resolve_spread=0.1),
        ),
        spoilers=(Spoiler("S", target="A", strike_propensity=0.1, red_lines={"nuke": (0.9, 1.0)}),),
        max_rounds=6,
    )
    results = simulate(scenario, 3000, seed=11)
    assert all(results.summary[f"p_{o}"] > 0 for o in OUTCOMES)
    return results


def summary_of(outcomes: list[str], rounds: list[int] | None = None, causes: list[str] | None = None) -> dict:
    """A run summary computed from a hand-made episodes table."""
    n = len(outcomes)
    episodes = pd.DataFrame(
        {
            "outcome": pd.Categorical(outcomes, categories=list(OUTCOMES)),
            "round": rounds or [3] * n,
            "cause": pd.Categorical(causes or ["agreement"] * n),
            "scope": pd.Categorical(["nuke"] * n),
            "term_nuke": [0.5 if o == "deal" else np.nan for o in outcomes],
            "on_agenda_nuke": [o == "deal" for o in outcomes],
        }
    )
    return {"scenario": "hand", "replications": n, **summarize(episodes, ("nuke",))}


def bars(ax) -> list[Rectangle]:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c.patches]


def whisker_segments(ax) -> list[np.ndarray]:
    segments = []
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            _, _, barlines = c.lines
            for collection in barlines:
                segments.extend(np.asarray(s) for s in collection.get_segments())
    return segments


def test_every_plot_returns_a_figure_without_touching_pyplot(toy_run):
    plt.close("all")
    model = NegotiationModel(toy_run.scenario, 1, block_seed(1, 0), trace=True, record=True).run()
    table = pd.DataFrame([plots.summary_row(toy_run.summary, x=1.0, y=2.0)])
    figures = [
        plots.odds(toy_run),
        plots.rounds(toy_run),
        plots.causes(toy_run),
        plots.deal_terms(toy_run),
        plots.odds_vs_parameter(table, "x"),
        plots.heatmap(table, "x", "y"),
        plots.anatomy(model),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    assert plt.get_fignums() == []  # nothing registered in pyplot: no state leaks, no memory held


def test_odds_draws_one_bar_per_outcome_at_its_probability_with_wilson_whiskers(toy_run):
    s = toy_run.summary
    ax = plots.odds(toy_run).axes[0]
    heights = [p.get_height() for p in bars(ax)]
    assert heights == pytest.approx([s[f"p_{o}"] for o in OUTCOMES])
    segments = whisker_segments(ax)
    assert len(segments) == 3
    for seg, o in zip(segments, OUTCOMES, strict=True):
        assert sorted(seg[:, 1]) == pytest.approx(s["ci95"][o])  # whisker spans the 95% interval
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Deal", "Escalation", "Stalemate"]
    assert "95%" in ax.get_ylabel()
    assert [t.get_text() for t in ax.texts] == [f"{100 * s[f'p_{o}']:.1f}%" for o in OUTCOMES]


def test_odds_of_several_runs_draws_grouped_bars_with_a_legend():
    runs = {"a": summary_of(["deal", "deal", "escalation"]), "b": summary_of(["stalemate"] * 4)}
    ax = plots.odds(runs).axes[0]
    assert len(bars(ax)) == 6
    assert len(whisker_segments(ax)) == 6
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    heights = [p.get_height() for p in bars(ax)]
    assert heights == pytest.approx([2 / 3, 1 / 3, 0, 0, 0, 1])


def test_rounds_stacks_the_share_of_replications_ending_in_each_round_by_outcome(toy_run):
    episodes = toy_run.episodes
    last = int(episodes["round"].max())
    ax = plots.rounds(toy_run).axes[0]
    patches = bars(ax)
    assert len(patches) == 3 * last
    heights = np.array([p.get_height() for p in patches]).reshape(3, last)
    assert heights.sum() == pytest.approx(1.0)
    for k, o in enumerate(OUTCOMES):
        assert heights[k].sum() == pytest.approx(toy_run.summary[f"p_{o}"])
        expected = episodes.loc[episodes["outcome"] == o, "round"].value_counts().sort_index() / len(episodes)
        assert heights[k][expected.index.to_numpy() - 1] == pytest.approx(expected.to_numpy())
    means = sorted(line.get_xdata()[0] for line in ax.get_lines())
    assert means == pytest.approx(sorted(v for v in toy_run.summary["mean_rounds"].values()))
    assert ax.get_xlabel().startswith("round")


def test_causes_draws_one_bar_per_cause_with_its_share():
    s = summary_of(["escalation"] * 3 + ["deal"], causes=["strike", "strike", "spiral", "agreement"])
    ax = plots.causes(s).axes[0]
    widths = [p.get_width() for p in bars(ax)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Strike", "Spiral"]
    assert widths == pytest.approx([2 / 3, 1 / 3])
    absolute = plots.causes(s, absolute=True).axes[0]
    assert sum(p.get_width() for p in bars(absolute)) == pytest.approx(s["p_escalation"])
    assert "all replications" in absolute.get_xlabel()


def test_causes_of_two_runs_covers_the_union_of_their_causes():
    a = summary_of(["escalation", "escalation"], causes=["strike", "spiral"])
    b = summary_of(["escalation", "deal"], causes=["breakout", "agreement"])
    ax = plots.causes({"a": a, "b": b}).axes[0]
    assert len(bars(ax)) == 2 * 3
    assert {t.get_text() for t in ax.get_yticklabels()} == {"Strike", "Spiral", "Breakout"}


def test_causes_without_any_escalation_says_so():
    ax = plots.causes(summary_of(["deal", "stalemate"])).axes[0]
    assert bars(ax) == []
    assert any("no escalation" in t.get_text() for t in ax.texts)


def test_deal_terms_draws_a_histogram_per_issue_over_the_deals_that_covered_it(toy_run):
    fig = plots.deal_terms(toy_run, bins=10)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["nuke", "rockets"]
    deals = toy_run.episodes[toy_run.episodes["outcome"] == "deal"]
    for ax, issue in zip(visible, ("nuke", "rockets"), strict=True):
        covered = deals.loc[deals[f"on_agenda_{issue}"], f"term_{issue}"]
        if len(covered):
            rects = [p for p in ax.patches if isinstance(p, Rectangle)]
            assert len(rects) == 10
            assert sum(p.get_height() for p in rects) == pytest.approx(1.0)
            assert ax.get_lines()[0].get_xdata()[0] == pytest.approx(np.median(covered))
        else:
            assert any(t.get_text() == "in no deal" for t in ax.texts)


def test_deal_terms_marks_an_issue_no_deal_covered():
    s_outcomes = ["deal", "escalation"]
    episodes = pd.DataFrame(
        {
            "outcome": pd.Categorical(s_outcomes, categories=list(OUTCOMES)),
            "round": [2, 3],
            "term_a": [0.4, np.nan],
            "on_agenda_a": [True, False],
            "term_b": [0.0, np.nan],
            "on_agenda_b": [False, False],
        }
    )
    fig = plots.deal_terms(episodes)
    a, b = (ax for ax in fig.axes if ax.get_visible())
    assert len(a.patches) == 20 and len(b.patches) == 0
    assert [t.get_text() for t in b.texts] == ["in no deal"]


@pytest.fixture
def sweep_table() -> pd.DataFrame:
    rows = []
    for x in (0.0, 0.5, 1.0):
        for y in (10, 20):
            s = summary_of(["escalation"] * int(1 + 4 * x) + ["deal"] * (y // 10) + ["stalemate"])
            rows.append(plots.summary_row(s, strike=x, rounds=y))
    return pd.DataFrame(rows)


def test_summary_row_has_the_documented_columns(sweep_table):
    for o in OUTCOMES:
        assert {f"p_{o}", f"p_{o}_low", f"p_{o}_high", f"mean_rounds_{o}"} <= set(sweep_table.columns)
    assert (sweep_table["p_escalation_low"] <= sweep_table["p_escalation"]).all()
    assert set(sweep_table["main_escalation_cause"]) == {"agreement"}


def test_odds_vs_parameter_draws_a_line_and_an_interval_band_per_outcome(sweep_table):
    table = sweep_table[sweep_table["rounds"] == 10]
    ax = plots.odds_vs_parameter(table, "strike").axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(OUTCOMES)
    assert list(lines[1].get_xdata()) == [0.0, 0.5, 1.0]
    assert list(lines[1].get_ydata()) == pytest.approx(table["p_escalation"].to_list())
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 3
    vertices = bands[1].get_paths()[0].vertices[:, 1]
    assert vertices.min() == pytest.approx(table["p_escalation_low"].min())
    assert vertices.max() == pytest.approx(table["p_escalation_high"].max())
    assert ax.get_xlabel() == "strike"


def test_odds_vs_parameter_refuses_a_table_with_other_parameters_varying(sweep_table):
    with pytest.raises(ValueError, match="one row per value"):
        plots.odds_vs_parameter(sweep_table, "strike")
    with pytest.raises(KeyError, match="no column 'mediator'"):
        plots.odds_vs_parameter(sweep_table, "mediator")


def test_heatmap_has_one_cell_per_pair_of_values_holding_the_probability(sweep_table):
    fig = plots.heatmap(sweep_table, "strike", "rounds", outcome="escalation")
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    assert image.shape == (2, 3)  # rows: rounds (y), columns: strike (x)
    expected = sweep_table.pivot(index="rounds", columns="strike", values="p_escalation").to_numpy()
    assert np.asarray(image) == pytest.approx(expected)
    assert len(ax.texts) == 6
    assert ax.get_xlabel() == "strike" and ax.get_ylabel() == "rounds"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.5", "1"]
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "P(escalation)"  # the colour bar


@pytest.fixture(scope="module")
def traced():
    """One recorded toy episode with frequent events, in which B keeps rockets off the agenda.

    Both sides' resolve is private, so the episode lasts more than the one round of complete information.
    """
    a, b = toy_scenario().principals
    scenario = toy_scenario(
        principals=(
            dataclasses.replace(a, resolve_spread=0.15),
            dataclasses.replace(b, refuses=("rockets",), resolve_spread=0.15),
        ),
        events=(Event("shock", 0.5, {"tension": 0.01}), Event("report", 0.3, {"unrest": 0.01})),
    )
    return NegotiationModel(scenario, 1, block_seed(4, 0), trace=True, record=True).run()


def test_anatomy_draws_positions_proposals_tension_events_and_the_ending(traced):
    record = traced.datacollector.get_model_vars_dataframe()
    fig = plots.anatomy(traced)
    issue_axes, world = fig.axes[:2], fig.axes[2]
    assert len(fig.axes) == 3  # two issues and the world panel
    assert [ax.get_title().split(" (")[0] for ax in issue_axes] == ["nuke", "rockets"]
    proposed = int(record["proposed"].sum())
    assert proposed > 0 and list(traced.state.agenda[0]) == [True, False]  # the episode covers both cases below
    end = int(record["round"].iloc[-1])
    for ax, issue in zip(issue_axes, ("nuke", "rockets"), strict=True):
        by_label = {line.get_label(): line for line in ax.get_lines()}
        assert list(by_label["A position"].get_ydata()) == pytest.approx(record[f"position_A_{issue}"].to_list())
        assert list(by_label["B position"].get_ydata()) == pytest.approx(record[f"position_B_{issue}"].to_list())
        on_agenda = bool(traced.state.agenda[0][traced.issue_names.index(issue)])
        if on_agenda:
            assert len(by_label["M's proposal"].get_xdata()) == proposed
        else:
            assert "M's proposal" not in by_label
            assert ax.get_title().endswith("(off the agenda)")
    nuke = {line.get_label(): line for line in issue_axes[0].get_lines()}
    assert nuke["A red line"].get_ydata()[0] == pytest.approx(0.3)  # A's red line on nuke is [0.3, 1]
    assert nuke["B red line"].get_ydata()[0] == pytest.approx(0.7)
    world_lines = {line.get_label(): line for line in world.get_lines()}
    assert world_lines["tension threshold"].get_ydata()[0] == pytest.approx(traced.params.world.tension_threshold)
    assert list(world_lines["tension"].get_ydata()) == pytest.approx(record["tension"].to_list())
    assert record["events"].str.len().sum() > 0
    for name in ("shock", "report"):
        hits = sum(name in cell.split(",") for cell in record["events"])
        label = f"event: {name}"
        assert len(world_lines[label].get_xdata()) == hits if hits else label not in world_lines
    outcome = str(record["outcome"].iloc[-1])
    assert outcome in OUTCOMES
    ending = [line for line in world.get_lines() if list(line.get_xdata()) == [end, end]]
    assert len(ending) == 1  # the vertical line at the last round
    assert outcome.upper() in fig.get_suptitle()
    assert traced.causes[traced.cause[0]].replace("_", " ") in fig.get_suptitle()


def test_anatomy_from_the_record_table_alone_infers_issues_and_principals(traced):
    record = traced.datacollector.get_model_vars_dataframe()
    fig = plots.anatomy(record, cause="because")
    assert [ax.get_title().split(" (")[0] for ax in fig.axes[:2]] == ["nuke", "rockets"]
    labels = {line.get_label() for line in fig.axes[0].get_lines()}
    assert {"A position", "B position", "mediator's proposal"} <= labels
    assert "because" in fig.get_suptitle()


def test_figures_save_as_png(tmp_path, toy_run):
    path = tmp_path / "odds.png"
    plots.odds(toy_run).savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_refuse_inputs_of_the_wrong_kind(toy_run):
    with pytest.raises(TypeError, match="summary"):
        plots.odds(toy_run.episodes)
    with pytest.raises(TypeError, match="episodes"):
        plots.rounds(toy_run.summary)
    with pytest.raises(TypeError, match="record=True"):
        plots.anatomy(toy_run)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("replications=500",), {"odds.png", "rounds.png", "causes.png", "terms.png"}),
        (("replications=1", "trace=true"), {"odds.png", "rounds.png", "causes.png", "terms.png", "anatomy.png"}),
    ],
)
def test_the_command_line_writes_the_figures_into_the_run_directory_on_request(tmp_path, args, expected):
    out = tmp_path / "run"
    root = Path(__file__).resolve().parents[2]
    proc = run_sim(*args, "seed=3", "plots=true", f"hydra.run.dir={out}", cwd=root, timeout=300)
    assert proc.returncode == 0, proc.stderr
    written = {p.name for p in out.glob("*.png")}
    assert written == expected
    assert all((out / name).read_bytes()[:4] == b"\x89PNG" for name in written)
    assert "terms.png" in proc.stdout


def test_the_command_line_writes_no_figures_by_default(tmp_path):
    out = tmp_path / "run"
    root = Path(__file__).resolve().parents[2]
    proc = run_sim("replications=200", "quiet=true", f"hydra.run.dir={out}", cwd=root, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (out / "summary.json").exists() and not list(out.glob("*.png"))


def test_drivers_draws_one_bar_per_parameter_spanning_its_range_of_probabilities_largest_first():
    rows = []
    for value, k in ((0.0, 1), (0.5, 2), (1.0, 4)):  # escalation rises with "strike": 1/5 .. 4/5
        rows.append(plots.summary_row(summary_of(["escalation"] * k + ["deal"] * (5 - k)), parameter="strike", value=value))
    for value, k in ((0.2, 3), (0.8, 2)):  # and falls a little with "mediator": 3/5 .. 2/5
        rows.append(plots.summary_row(summary_of(["escalation"] * k + ["deal"] * (5 - k)), parameter="mediator", value=value))
    ax = plots.drivers(pd.DataFrame(rows), baseline=0.5).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["strike", "mediator"]
    patches = bars(ax)
    assert [(p.get_x(), p.get_x() + p.get_width()) for p in patches] == [pytest.approx((0.2, 0.8)), pytest.approx((0.4, 0.6))]
    assert patches[0].get_facecolor() != patches[1].get_facecolor()  # rising and falling differ
    assert [t.get_text() for t in ax.texts] == ["0", "1", "0.8", "0.2"]
    assert ax.get_lines()[0].get_xdata()[0] == 0.5


def test_sweep_plots_read_the_table_the_sweep_machinery_writes(toy_run):
    """The columns of sim.sweep.table's sweep.parquet rows (one per swept key, then the odds) are the ones the plots read."""
    from sim.core.stats import summary_columns

    rows = [
        {"job": k, "status": "ok", "actors.s.strike": x, "world.tension": y, **summary_columns(toy_run.summary)}
        for k, (x, y) in enumerate([(0.0, 0.1), (0.0, 0.2), (0.5, 0.1), (0.5, 0.2)])
    ]
    table = pd.DataFrame(rows)
    mine = plots.summary_row(toy_run.summary)
    assert {c for c in mine if c.startswith("p_")} <= set(table.columns)
    assert plots.heatmap(table, "actors.s.strike", "world.tension").axes[0].images[0].get_array().shape == (2, 2)
    line = plots.odds_vs_parameter(table[table["world.tension"] == 0.1], "actors.s.strike").axes[0]
    assert len([c for c in line.collections if isinstance(c, PolyCollection)]) == 3


def test_the_calibration_figure_names_each_parameter_in_plain_words_with_its_key_and_scale():
    from types import SimpleNamespace

    from sim.analysis.calibrate_plots import parameters_figure
    from sim.analysis.labels import describe, scale

    key = "actors.us.trust"
    cal = SimpleNamespace(draws={key: np.linspace(0.1, 0.9, 50)}, weights=np.linspace(1, 2, 50), prior_weights=np.ones(50) / 50)
    fig = parameters_figure(cal, pd.DataFrame({"parameter": [key]}))
    ax = fig.axes[0]
    assert describe(key) != key and ax.get_title() == f"{describe(key)}\n{key}"
    assert ax.get_ylabel() == "density" and scale(key) and scale(key) in ax.get_xlabel()


def test_a_runs_figures_name_the_run_by_its_label_and_its_causes_in_words(toy_run):
    """A modified run (``~actors.israel``) is titled by its label, never as the scenario it changed."""
    from sim.analysis.figure_style import plain_cause

    figures = plots.run_figures(toy_run, label="baseline+no-israel")
    titles = {name: (fig._suptitle or fig.axes[0].title).get_text() for name, fig in figures.items()}
    assert set(titles) == {"odds", "rounds", "causes", "terms"}
    assert all("baseline+no-israel" in t for t in titles.values()), titles
    assert plain_cause("us_strike") == "US strike" and plain_cause("iran_breakout") == "Iran breakout"
    assert plain_cause("tension_spiral") == "Tension spiral"
