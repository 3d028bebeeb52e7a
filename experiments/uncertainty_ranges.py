"""Write configs/uncertainty/assumptions.yaml: a range for every parameter the baseline marks *assumption*.

    python experiments/uncertainty_ranges.py > configs/uncertainty/assumptions.yaml

One generic rule per kind of parameter (levels, per-round sizes, weights, saliences, red lines, zeros, the
discount factor, the tension threshold), stated in each range's provenance; never tuned to an outcome. Rerun it
when parameters are added (tests/config/test_uncertainty_config.py fails until every assumption has a range), then
review the file by hand.
"""

import sys

import yaml
from omegaconf import OmegaConf

from sim.config.compose import compose
from sim.config.uncertainty import assumptions

d = OmegaConf.to_container(compose(["scenario=baseline"]), resolve=True)
A = assumptions(d)


def _ints(node, prefix=""):
    """Paths of whole-number settings (a horizon, a number of rounds): they bound loops and are not drawn."""
    out = set()
    if isinstance(node, dict):
        for k, v in node.items():
            out |= _ints(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, int) and not isinstance(node, bool):
        out.add(prefix)
    return out


INTEGER = _ints({k: v for k, v in d.items() if k != "uncertainty"})

LEVEL = {
    "tension",
    "nuclear_progress",
    "military_posture",
    "unrest",
    "sanctions",
    "collapse_escalation",
    "trust",
    "no_deal_value",
    "war_cost",
    "effectiveness",
    "standing",
    "status_quo",
    "strike_threshold",
    "extension_probability",
    "retaliation_probability",
    "resume_probability",
    "interim_scale",
    "sabotage_cost",
    "guarantee",
    "veto_threshold",
    "ratification_exit",
    "betrayal_cost",
    "successor_keeps",
    "audience_cost",
    "giveway_prior",
}
RATE = {
    "progress_rate",
    "posture_tension",
    "agenda_dispute_tension",
    "failed_round_tension",
    "hazard",
    "lobbying",
    "deescalation",
    "trust_building",
    "incentive",
    "force_propensity",
    "walkout_propensity",
    "strike_propensity",
    "agenda_flexibility",
    "force_noise",
    "proposal_noise",
    "resolve_spread",
    "strike_noise",
    "perceived_risk",
    "strike_setback",
    "coercion_propensity",
    "sabotage_propensity",
    "veto_spread",
    "direct_proposal_noise",
    "ratification_trust_loss",
    "pressure_cap",
}
WEIGHT = {
    "force_posture_weight",
    "force_progress_weight",
    "weight_tension",
    "weight_progress",
    "weight_failure",
    "weight_crossing",
    "sovereignty_cost",
}

WHY = {
    "level": "a level the article gives in words only: triangular, most likely at the configured value, +/-0.15 "
    "(about a sixth of the scale, what a verbal description such as 'high' against 'very high' can resolve)",
    "rate": "a per-round size known to its order of magnitude only: log-uniform from half to double the configured "
    "value (which is its median)",
    "weight": "a relative weight set by judgement: triangular, most likely at the configured value, +/-50% of it",
    "salience": "an issue weight set by judgement: uniform within +/-30% of its value, the actor's saliences "
    "rescaled to sum to one in every replication",
    "redline": "the article places the red line in words only: uniform within +/-0.1 of the configured end on the issue scale",
    "zero": "set to zero as a simplification: uniform from 0 to 0.1, allowing a small value instead",
    "boulware": "the article suggests a firm stance (Boulware, e < 1), the number is judgement: triangular from half the "
    "configured value to 1 (linear concession), most likely at the configured value",
    "discount": "a per-round discount factor set by judgement: the weekly cost of delay, one minus the factor, from "
    "half to double its configured size; triangular, most likely at the configured value",
    "threshold": "the point where tension tips into confrontation is judgement: triangular +/-0.1 around the "
    "configured value (above 1: never)",
}


def legal(path):
    if path.endswith("tension_threshold"):
        return 0.0, 10.0
    if path.endswith("concession_e"):
        return 1e-6, 100.0
    signed = (
        (".pressure." in path and path.startswith("actors.") and path.split(".")[1] in ("us", "iran"))
        or "effects." in path  # an event's, a coercive step's or a sabotage's effects
        or "force_posture_weight" in path
        or "force_progress_weight" in path
    )
    return (-1.0, 1.0) if signed else (0.0, 1.0)


def clip(x, lo, hi):
    return min(max(x, lo), hi)


def r(x):
    return float(f"{x:.6g}")


def spec(path, v):
    field = path.split(".")[-1]
    parts = path.split(".")
    lo, hi = legal(path)
    if path in INTEGER:
        return None, None
    if ".salience." in path:
        return "salience", {"dist": "uniform", "low": r(0.7 * v), "high": r(1.3 * v)}
    if ".red_lines." in path:
        return "redline", {"dist": "uniform", "low": r(clip(v - 0.1, 0, 1)), "high": r(clip(v + 0.1, 0, 1))}
    if field == "concession_e":
        return "boulware", {"dist": "triangular", "low": r(v / 2), "mode": v, "high": 1.0}
    if field == "discount":
        cost = 1 - v
        return "discount", {"dist": "triangular", "low": r(1 - 2 * cost), "mode": v, "high": r(1 - cost / 2)}
    if field == "tension_threshold":
        return "threshold", {"dist": "triangular", "low": r(v - 0.1), "mode": v, "high": r(v + 0.1)}
    if v == 0.0:
        return "zero", {"dist": "uniform", "low": 0.0, "high": 0.1}
    if "effects." in path:  # an event's, a coercive step's or a sabotage's effect: a per-round size
        a, b = sorted((v / 2, 2 * v))
        return "rate", {"dist": "loguniform", "low": r(clip(a, lo, hi)), "high": r(clip(b, lo, hi))}
    if ".pressure." in path:  # a principal's sensitivity of its value of no deal to a world variable
        a, b = sorted((0.5 * v, 1.5 * v))
        return "weight", {"dist": "triangular", "low": r(clip(a, lo, hi)), "mode": v, "high": r(clip(b, lo, hi))}
    if field in LEVEL:
        return "level", {"dist": "triangular", "low": r(clip(v - 0.15, lo, hi)), "mode": v, "high": r(clip(v + 0.15, lo, hi))}
    if (
        field in RATE
        or ".effects." in path
        or (parts[0] == "actors" and field == "pressure")
        or (parts[0] == "actors" and parts[2] == "pressure" and parts[1] in ("uae", "arab_states"))
    ):
        a, b = sorted((v / 2, 2 * v))
        return "rate", {"dist": "loguniform", "low": r(clip(a, lo, hi)), "high": r(clip(b, lo, hi))}
    if field in WEIGHT or ".pressure." in path:
        a, b = sorted((0.5 * v, 1.5 * v))
        return "weight", {"dist": "triangular", "low": r(clip(a, lo, hi)), "mode": v, "high": r(clip(b, lo, hi))}
    raise SystemExit(f"no rule for {path}")


tree = {}
skipped = []
for path, (v, src) in A.items():
    kind, s = spec(path, v)
    if s is None:
        skipped.append(path)
        continue
    s["provenance"] = f"{WHY[kind]}. Baseline {v:g}: {src}"
    node = tree
    for part in path.split(".")[:-1]:
        node = node.setdefault(part, {})
    node[path.split(".")[-1]] = s


class Flow(dict):
    pass


def flow_rep(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def tag(node):
    if isinstance(node, dict) and "dist" in node:
        return Flow(node)
    if isinstance(node, dict):
        return {k: tag(v) for k, v in node.items()}
    return node


yaml.add_representer(Flow, flow_rep)
header = """# Every parameter the baseline marks *assumption* (in its provenance), as a range,
# for python -m sim explore uncertainty=assumptions (written by experiments/uncertainty_ranges.py).
# Each range contains the configured value and follows one of a few rules by kind of parameter, never chosen for
# the odds it gives: the provenance of each range states its rule and repeats where the configured value comes from.
#   levels on [0, 1] described in words (tension, trust, a value of no deal, a war cost):  triangular, +/-0.15
#   per-round sizes and hazards (rates, propensities, event effects, noise):              log-uniform, half to double
#   relative weights (force and strike weights, pressure sensitivities of the principals): triangular, +/-50%
#   saliences: uniform +/-30%, rescaled to sum to one;  red lines: uniform +/-0.1;  zeros: uniform [0, 0.1]
# Clipped to each parameter's legal range. Not drawn: whole numbers of rounds (max_rounds and the like bound the run's
# loops, the same for every replication).
# A parameter a scenario sets itself is that scenario's premise and stays at the scenario's value.
# Narrow or add a range on the command line, e.g. uncertainty.actors.us.war_cost='{dist: uniform, low: 0.3, high: 0.5}'.
"""
sys.stdout.write(header + yaml.dump(tag(tree), sort_keys=False, width=1000, allow_unicode=True))
print(f"# {len(A) - len(skipped)} ranges; not drawn: {skipped}", file=sys.stderr)
