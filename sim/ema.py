"""EMA Workbench on the simulator: ``sim.ema.model("baseline")`` is an ``ema_workbench.Model``.

Its uncertainties are the declared ranges of the assumptions, its levers the declared levers, its outcomes
P(deal), P(escalation), P(any strike) and the mean number of rounds (see :mod:`sim.analysis.ema`)::

    from ema_workbench import perform_experiments
    import sim.ema

    model = sim.ema.model("baseline", replications=200, seed=0)
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)
"""

from sim.analysis.ema import OUTCOMES, Experiment, setup
from sim.analysis.ema import model_from as model

__all__ = ["OUTCOMES", "Experiment", "model", "setup"]
