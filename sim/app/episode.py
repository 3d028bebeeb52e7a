"""One episode of the dashboard, round by round: the model it steps, its panel, and the figure drawn in the background.

:class:`Episode` is one replication of the scenario on screen with its narrative
and per-round record; :func:`EpisodeViz` steps it with its own controls (Reset,
Step, Play); :func:`EpisodePanel` shows its state (:func:`sim.app.tables.episode_html`)
and narrative side by side and, below them at the full width of the page, its
anatomy (:func:`sim.analysis.plots.anatomy`), drawn by :func:`BackgroundFigure`.
"""

from __future__ import annotations

import io
import time

import solara
import solara.lab

from sim import NegotiationModel, Scenario
from sim.analysis import plots
from sim.app.tables import episode_html
from sim.core.runner import block_seed

NARRATIVE_LINES = 14
PLAY_INTERVAL_S = 0.5
FIGURE_DELAY_S = 0.3
NARRATIVE_STYLE = "font-size: 0.85rem; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; margin: 0"


class Episode(NegotiationModel):
    """One replication of ``params`` with its narrative and per-round record, for the episode panel.

    Mesa reserves the keyword ``scenario`` for its own scenario objects, so the
    simulator's :class:`~sim.Scenario` is passed as ``params``.
    """

    def __init__(self, params: Scenario, seed: int = 0) -> None:
        # Replication 0 of the first block of a run with this seed: the episode of
        # ``python -m sim replications=1 trace=true seed=SEED`` and of ``sim.episode(scenario, SEED)``.
        super().__init__(params, 1, block_seed(seed, 0), trace=True, record=True)
        self.episode_seed = seed
        self.private: list[dict[str, tuple[float, float, float]]] = [self._private()]

    def step(self) -> None:
        super().step()
        self.private.append(self._private())

    def _private(self) -> dict[str, tuple[float, float, float]]:
        """Per principal: its private resolve, and its belief about the other's (uniform on [low, high]).

        Offsets from the configured outside option, read from the principal agents
        (the mechanics of issue 10); the DataCollector record does not hold them.
        """
        return {
            p.name: (float(p.resolve[0]), float(p.belief_lo[0]), float(p.belief_hi[0]))
            for p in self.principals
            if all(hasattr(p, a) for a in ("resolve", "belief_lo", "belief_hi"))
        }


def _png(figure) -> bytes:
    """The figure as PNG bytes; the figure is then closed (pyplot would keep every figure of every session)."""
    import matplotlib.pyplot as plt

    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
    finally:
        plt.close(figure)


@solara.component
def BackgroundFigure(draw, dependencies: list, alt: str = "figure"):
    """A Matplotlib figure drawn in a background thread; the last one stays on screen meanwhile."""

    def work() -> bytes | None:
        time.sleep(FIGURE_DELAY_S)  # let the odds of a slider change reach the page before Matplotlib takes the GIL
        if not task.is_current():  # superseded by a newer change (or the panel is gone): draw nothing
            return None
        return _png(draw())

    task = solara.lab.use_task(work, dependencies=dependencies, raise_error=False)
    solara.ProgressLinear(task.pending)
    if task.error:
        solara.Error(f"could not draw the {alt}: {task.exception}")
    elif task.latest is not None:
        solara.Image(task.latest, format="png", width="100%")


@solara.component
def EpisodePanel(m: NegotiationModel, steps: int):
    """The episode on screen after its latest round: state and narrative side by side, the anatomy below at full width."""
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap", "gap": "16px"}):
        with solara.Column(style={"flex": "1 1 420px", "min-width": "0"}):
            solara.HTML(unsafe_innerHTML=episode_html(m), classes=["muscat-episode-state"]).meta(ref="muscat-episode-state")
        with solara.Column(style={"flex": "1 1 420px", "min-width": "0"}):
            text = "\n".join(m.narrative[-NARRATIVE_LINES:]) or "(not started: press Step or Play above)"
            solara.Preformatted(text, class_="muscat-narrative", style_=NARRATIVE_STYLE)  # v.Html's own keywords
    BackgroundFigure(lambda: plots.anatomy(m), [id(m), steps], alt="anatomy of the episode")


@solara.component
def EpisodeViz(params: Scenario, seed: int):
    """One replication with Reset, Step and Play; re-created when the scenario on screen changes."""
    model = solara.use_reactive(solara.use_memo(lambda: Episode(params, seed), []))
    steps = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    ended = not model.value.running

    def step() -> None:
        if model.value.running:
            model.value.step()
            steps.set(steps.value + 1)
        if not model.value.running:
            playing.set(False)

    def reset() -> None:
        playing.set(False)
        model.set(Episode(params, seed))
        steps.set(0)

    def play() -> None:
        while playing.value and model.value.running:
            time.sleep(PLAY_INTERVAL_S)
            if not playing.value:
                break
            step()

    solara.lab.use_task(play, dependencies=[playing.value], raise_error=False)
    with solara.Card("One episode, round by round", classes=["muscat-episode"]):
        with solara.Row(style={"gap": "8px", "align-items": "center"}):
            solara.Button("Reset", on_click=reset, outlined=True)
            solara.Button("Step", on_click=step, disabled=ended or playing.value, color="primary")
            solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value), disabled=ended)
        EpisodePanel(model.value, steps.value)
