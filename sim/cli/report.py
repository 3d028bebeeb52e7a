"""Text rendering of a run's summary for the terminal (pure: summary in, string out)."""

from __future__ import annotations

from sim.core.params import OUTCOMES


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def _shares(shares: dict[str, float], limit: int = 6) -> str:
    items = sorted(shares.items(), key=lambda kv: -kv[1])[:limit]
    return ", ".join(f"{k} {100 * v:.1f}%" for k, v in items) if items else "none"


def format_summary(summary: dict, label: str | None = None) -> str:
    """A readable table of the odds with their 95% intervals, causes, scopes and deal terms.

    ``label`` names the run when the command line changed the scenario (``baseline+no-israel``, see
    :func:`sim.config.layout.label`); by default the scenario's name.
    """
    replications = summary["replications"]
    plural = "" if replications == 1 else "s"
    lines = [
        f"Scenario {label or summary['scenario']}: {replications:,} replication{plural}, seed {summary['seed']} "
        f"({summary['elapsed_s']:.2f} s, {summary['episodes_per_s']:,.0f} episodes/s)",
        "",
        f"{'outcome':<12}{'probability':>12}   {'95% interval':<18}{'mean rounds':>12}",
    ]
    for outcome in OUTCOMES:
        low, high = summary["ci95"][outcome]
        rounds = summary["mean_rounds"][outcome]
        rounds_txt = f"{rounds:.1f}" if rounds is not None else "-"
        lines.append(f"{outcome:<12}{_pct(summary[f'p_{outcome}']):>12}   [{_pct(low)}, {_pct(high)}]{rounds_txt:>12}")
    if "p_any_strike" in summary:
        low, high = summary["p_any_strike_ci95"]
        lines.append(
            f"{'any strike':<12}{_pct(summary['p_any_strike']):>12}   [{_pct(low)}, {_pct(high)}]"
            "   (during the talks, resumed or not)"
        )
    lines += [
        "",
        f"Escalation causes (share of escalations): {_shares(summary['escalation_causes'])}",
        f"Stalemate causes (share of stalemates):   {_shares(summary['stalemate_causes'])}",
        f"Deals by agenda scope (share of deals):   {_shares(summary['deal_scopes'])}",
    ]
    if "p_paused" in summary:  # what happened without ending the talks (issue 18)
        joined = _shares(summary["joined_strikes"]) if summary["joined_strikes"] else "none"
        lines.append(
            f"Without ending the talks (share of episodes): paused {_pct(summary['p_paused']).strip()}, "
            f"a coercive step {_pct(summary['p_coercion']).strip()} (mean {summary['mean_coercion_steps']:.2f} steps), "
            f"ultimatum lapsed {_pct(summary['p_ultimatum_lapsed']).strip()}, "
            f"an ally joined a strike {_pct(summary['p_joined_strike']).strip()} ({joined})"
        )
    terms = [f"{k} {v:.2f}" for k, v in summary["deal_terms_median"].items() if v is not None]
    lines.append(
        "Median deal terms (0 = Tehran's end, 1 = Washington's; deals covering the issue): "
        + (", ".join(terms) if terms else "no deal")
    )
    return "\n".join(lines)
