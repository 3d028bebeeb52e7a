"""The dashboard: move an assumption, watch the odds and one episode change.

``solara run sim.app.dashboard`` (or ``muscat-sim-app``) serves :func:`Page`;
in Jupyter, display ``solara.AppLayout(children=[Dashboard()])``. A thin layer
over the public API (:mod:`sim.app.state` for the numbers,
:mod:`sim.analysis.plots` for the figures):

- the sidebar: the scenario, one slider per knob of :data:`sim.app.state.KNOBS`
  with the provenance of its configured value beside it, the seed and the
  number of replications, and a button that saves the run on screen;
- live odds: every change runs a batch (10,000 replications by default) and
  shows P(deal), P(escalation), P(stalemate) (and P(any strike during the
  talks) where the episode table records strikes) with their 95% intervals,
  the change from the scenario as configured (paired over common random
  numbers) and the causes of escalation, a quarter of a second after the
  change (``experiments/dashboard_latency.py``);
- one episode, round by round: a single replication of the scenario on screen,
  stepped with the panel's own controls (Reset, Step, Play); its state and
  narrative side by side, and below them, at the full width of the page, its
  anatomy (:func:`sim.analysis.plots.anatomy`), drawn by :func:`EpisodePanel`.
  (Mesa's SolaraViz is not used: its empty "Model Parameters" card and its
  "Time" counter said nothing here, and its grid squeezed the anatomy.)

Figures are drawn in a background thread (``solara.lab.use_task``), so a slider
change shows its odds as soon as the batch is done, without waiting for
Matplotlib.

The page is split along its seams: this module holds the layout and the
callbacks (the controls, what a change runs, the save, the error boundary);
:mod:`sim.app.tables` the HTML of the odds and of the episode's state;
:mod:`sim.app.episode` the episode panel and its figure.
"""

from __future__ import annotations

import logging

import solara

from sim import ConfigError
from sim.app.episode import Episode, EpisodePanel, EpisodeViz
from sim.app.state import (
    DEFAULT_REPLICATIONS,
    REPLICATION_CHOICES,
    Configured,
    Knob,
    Odds,
    bounded_replications,
    bounded_scenario,
    bounded_seed,
    changed,
    configure,
    knob_value,
    known_scenarios,
    live_odds,
    save_run,
)
from sim.app.tables import episode_html, odds_html, odds_rows, odds_text

log = logging.getLogger("sim.app")
#: The one line the page shows for a value the dashboard's own controls could not have sent.
REFUSED_LINE = "a value the controls do not offer was refused and not run (the details are in the server's log)"
#: The one line the page shows when something fails on the server (the traceback goes to the server's log).
FAILED_LINE = "something failed on the server; the details are in the server's log"
PAGE_STYLE = """
.muscat-provenance {font-size: 0.8rem !important; color: #444 !important; line-height: 1.3 !important}
.muscat-narrative {font-size: 0.85rem; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; margin: 0}
.muscat-episode .v-card, .muscat-episode {overflow: hidden}
.muscat-range {position: relative; height: 6px; background: #e6e6e6; border-radius: 3px; margin: -6px 8px 2px 8px}
.muscat-range span {position: absolute; top: 0; height: 100%; background: #2a9d8f; border-radius: 3px}
.muscat-range-text {font-size: 0.78rem; color: #2a6f66}
"""


@solara.component
def KnobSlider(knob: Knob, value, configured_value, provenance: str, on_value, plausible: tuple[float, float] | None = None):
    """One knob: its slider, its value, and where the configured value comes from."""
    css = "knob-" + knob.key.replace(".", "-").replace("_", "-")
    moved = not knob.same(value, configured_value)
    with solara.Column(gap="0px", classes=["muscat-knob", css], style={"margin-bottom": "6px"}).meta(ref=css):
        shown = f"{value:g}" if not knob.integer else f"{int(value)}"
        solara.Text(
            f"{knob.label}: {shown}" + (f" (configured {configured_value:g})" if moved else ""),
            style={"font-weight": "bold" if moved else "normal", "font-size": "0.9em"},
        )
        # Vuetify's slider itself, not Solara's SliderFloat/SliderInt: those cast what the browser sends with
        # float()/int() before any handler of ours sees it, so a malformed value was an exception in Solara's
        # code; here every value goes to ``on_value`` and its server-side bound (sim.app.state.knob_value).
        solara.v.Slider(
            v_model=value,
            on_v_model=on_value,
            min=knob.low,
            max=knob.high,
            step=knob.step or 1,
            thumb_label=True,
            hide_details=True,
        )
        if plausible is not None:
            low, high = plausible
            span = (knob.high - knob.low) or 1.0
            left, width = 100 * (low - knob.low) / span, 100 * (high - low) / span
            bar = f"<span style='left:{left:.1f}%;width:{max(width, 1):.1f}%'></span>"
            solara.HTML(unsafe_innerHTML=f"<div class=muscat-range>{bar}</div>")
            solara.Text(f"plausible range {low:g}–{high:g} (the assumptions file)", classes=["muscat-range-text"])
        solara.Text(f"{knob.key} — {provenance}", classes=["muscat-provenance"])


@solara.component
def OddsPanel(odds: Odds | None, error: str | None = None):
    """The live odds of the batch on screen (class ``muscat-odds`` for the browser test)."""
    with solara.Card("Live odds", classes=["muscat-odds-card"]):
        if error:
            solara.Error(error, classes=["muscat-error"])
        if odds is not None:
            solara.HTML(unsafe_innerHTML=odds_html(odds), classes=["muscat-odds"]).meta(ref="muscat-odds")


@solara.component
def Controls(
    configured: Configured,
    name: solara.Reactive[str],
    values: solara.Reactive[dict],
    replications: solara.Reactive[int],
    seed: solara.Reactive[int],
    episode_seed: solara.Reactive[int],
    on_save,
    refused: solara.Reactive[str] | None = None,
):
    """The scenario, its knobs with their provenance, the run settings and the save button.

    A value the list or the slider could not have sent (a crafted message) is not run: the page says so in
    one plain line (``refused``), the server's log has the details.
    """

    def check(bound, *args):
        checked = accepted(bound, *args)
        if refused is not None:
            refused.set("" if checked is not None else REFUSED_LINE)
        return checked

    def pick(new) -> None:
        if check(bounded_scenario, new) is None:  # a name the list does not hold (a crafted message): not run
            return
        values.set(dict(configure(new).values))
        name.set(new)

    def move(knob: Knob, value) -> None:
        checked = check(knob_value, knob, value)
        if checked is not None:
            values.set({**values.value, knob.key: checked})

    def pick_replications(value) -> None:
        checked = check(bounded_replications, value, tuple(dict.fromkeys((*REPLICATION_CHOICES, replications.value))))
        if checked is not None:
            replications.set(checked)

    _scenario_card(configured, name, values, pick, move)
    _run_card(replications, seed, episode_seed, on_save, pick_replications)


def _scenario_card(configured: Configured, name: solara.Reactive[str], values: solara.Reactive[dict], pick, move) -> None:
    """The scenario's list, its description and its knobs (each with its provenance), and the way back."""
    with solara.Card("Scenario", classes=["muscat-controls"]):
        solara.Select("Scenario", values=known_scenarios(), value=name.value, on_value=pick)
        solara.Text(configured.description, style={"font-size": "0.8em", "color": "#444"})
        for knob in configured.knobs:
            KnobSlider(
                knob,
                values.value[knob.key],
                configured.values[knob.key],
                configured.provenance[knob.key],
                on_value=lambda v, knob=knob: move(knob, v),
                plausible=configured.plausible.get(knob.key),
            )
        solara.Button(
            "Back to the scenario as configured",
            text=True,
            color="primary",
            on_click=lambda: values.set(dict(configured.values)),
            disabled=not changed(configured, values.value),
        )


def _run_card(replications: solara.Reactive[int], seed, episode_seed, on_save, pick_replications) -> None:
    """The run settings (replications, the two seeds) and the save button."""
    with solara.Card("Run"):
        solara.Select(
            "Replications per batch", values=list(REPLICATION_CHOICES), value=replications.value, on_value=pick_replications
        )
        solara.InputInt("Seed of the batch (common to both runs)", value=seed, continuous_update=False)
        solara.InputInt("Seed of the episode", value=episode_seed, continuous_update=False)
        solara.Button("Save run", color="primary", on_click=on_save, classes=["muscat-save"])


def accepted(check, *args):
    """``check(*args)`` (a bound of :mod:`sim.app.state`), or None with a line in the server's log if it refuses."""
    try:
        return check(*args)
    except (ConfigError, TypeError, ValueError) as exc:
        log.warning("refused a value from the browser: %s", exc)
        return None


@solara.component
def ErrorBoundary(children: list | None = None):
    """The page's error boundary: whatever fails below it (a render, a button's handler) is one plain line.

    The exception and its traceback go to the server's log; the browser gets :data:`FAILED_LINE` and a button
    that draws the page again, never a traceback or a path of the server.
    """
    exception, clear = solara.use_exception()
    logged = solara.use_ref(None)  # a ref, not state: setting it during a render asks for no other render
    if exception is not None and logged.current is not exception:
        logged.current = exception
        log.error("the dashboard failed", exc_info=(type(exception), exception, exception.__traceback__))
    # Two keys: reacton must not reuse the children's column for the error line (it then keeps rendering
    # the children's pending exception, "too many renders").
    if exception is not None:
        with solara.Column(classes=["muscat-failed"]).key("failed"):
            solara.Error(FAILED_LINE, classes=["muscat-error"])
            solara.Button("Draw the page again", on_click=clear, outlined=True)
    else:
        solara.Column(children=list(children or []), style={"width": "100%"}).key("page")


@solara.component
def Dashboard(
    scenario: str = "baseline", replications: int = DEFAULT_REPLICATIONS, seed: int = 0, output_root: str = "outputs/dashboard"
):
    """The whole dashboard inside its error boundary (:func:`ErrorBoundary`)."""
    ErrorBoundary(children=[DashboardBody(scenario, replications, seed, output_root)])


@solara.component
def DashboardBody(
    scenario: str = "baseline", replications: int = DEFAULT_REPLICATIONS, seed: int = 0, output_root: str = "outputs/dashboard"
):
    """The whole dashboard: controls in the sidebar, live odds and one episode in the main area."""
    name = solara.use_reactive(scenario)
    configured = solara.use_memo(lambda: configure(name.value), [name.value])
    values = solara.use_reactive(dict(configured.values))
    reps = solara.use_reactive(replications)
    batch_seed = solara.use_reactive(seed)
    episode_seed = solara.use_reactive(seed)
    saved = solara.use_reactive("")
    refused = solara.use_reactive("")
    current = values.value if set(values.value) == set(configured.values) else dict(configured.values)
    moved = tuple(sorted(changed(configured, current).items()))
    # Whatever the browser sent, the server runs only what these bounds allow (sim.app.state).
    allowed = tuple(sorted({*REPLICATION_CHOICES, min(int(replications), max(REPLICATION_CHOICES))}))  # the server's own
    n = accepted(bounded_replications, reps.value, allowed) or DEFAULT_REPLICATIONS
    batch = accepted(bounded_seed, batch_seed.value)
    shown_seed = accepted(bounded_seed, episode_seed.value)

    odds, error = solara.use_memo(lambda: _batch(configured, current, n, batch), [name.value, moved, n, batch])

    def save() -> None:
        saved.set(_saved_line(odds, output_root))

    solara.Style(PAGE_STYLE)
    sidebar = [Controls(configured, name, values, reps, batch_seed, episode_seed, on_save=save, refused=refused)]
    if refused.value:
        sidebar.append(solara.Warning(refused.value, classes=["muscat-refused"]))
    if saved.value:
        sidebar.append(solara.Info(saved.value, classes=["muscat-saved"]))
    with solara.Sidebar():  # rendered in the app layout's sidebar, outside the page's boundary: one of its own
        ErrorBoundary(children=sidebar)
    with solara.Column(style={"width": "100%"}):
        OddsPanel(odds, error)
        params = odds.results.scenario if odds is not None else configured.scenario
        seed_shown = shown_seed if shown_seed is not None else 0
        EpisodeViz(params, seed_shown).key(f"{name.value}|{moved}|{seed_shown}")


def _batch(configured: Configured, current: dict, n: int, batch: int | None) -> tuple[Odds | None, str | None]:
    """The live odds of the scenario with the knobs at ``current`` (None and a plain line when they cannot be run)."""
    if batch is None:
        return None, f"the seed of the batch must be a whole number from 0 to {2**32 - 1}"
    try:
        return live_odds(configured, current, replications=n, seed=batch), None
    except ConfigError as exc:
        return None, str(exc)
    except Exception:  # logged on the server; the page gets one plain line, never a traceback or a path
        log.exception("a batch of the dashboard failed")
        return None, "the batch failed on the server (the details are in the server's log)"


def _saved_line(odds: Odds | None, output_root: str) -> str:
    """Save the batch on screen; the line that says where (and how to compare it), or why it was not saved."""
    if odds is None:
        return "nothing to save: the batch on screen failed"
    try:
        path = save_run(odds, root=output_root)
    except OSError as exc:  # a full disk, a folder it may not write: one line; the path stays in the server's log
        log.warning("could not save the run: %s", exc)
        return f"could not save the run: {exc.strerror or type(exc).__name__} (the details are in the server's log)"
    summary = odds.results.summary
    return (
        f"Saved {path}/summary.json and episodes.parquet. Compare with the scenario as configured "
        f"(paired): python -m sim compare {summary['scenario']} {path} seed={summary['seed']} "
        f"replications={summary['replications']}"
    )


@solara.component
def Page():
    """The page ``solara run sim.app.dashboard`` serves."""
    solara.Title("Muscat talks: live odds")
    Dashboard()


__all__ = [
    "Dashboard",
    "DashboardBody",
    "Episode",
    "EpisodePanel",
    "ErrorBoundary",
    "KnobSlider",
    "OddsPanel",
    "Page",
    "episode_html",
    "odds_html",
    "odds_rows",
    "odds_text",
]
