"""The resolvers of ``configs/config.yaml``: ``${run_id:}``, ``${sim_scenarios:}``, ``${sim_label:...}``, ``${sim_commands:}``."""

from __future__ import annotations

import secrets


def register_resolvers() -> None:
    """``${run_id:}`` (a short random suffix of the run folder, fixed for the process) and ``${sim_help:...}``."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("run_id"):
        token = f"{secrets.token_hex(3)}"
        OmegaConf.register_new_resolver("run_id", lambda: token)
    if not OmegaConf.has_resolver("sim_scenarios"):
        OmegaConf.register_new_resolver("sim_scenarios", scenarios_help)
    if not OmegaConf.has_resolver("sim_label"):
        from sim.config.layout import hydra_label

        OmegaConf.register_new_resolver("sim_label", hydra_label)
    if not OmegaConf.has_resolver("sim_commands"):
        from sim.cli import commands_help

        OmegaConf.register_new_resolver("sim_commands", commands_help)
    if not OmegaConf.has_resolver("sim_version"):
        from sim.io import package_version

        OmegaConf.register_new_resolver("sim_version", package_version)


def scenarios_help() -> str:
    """The scenarios, one line each, for ``--help``."""
    try:
        from sim.cli.scenarios import catalogue

        infos, _broken = catalogue(skip_broken=True)
        width = max(len(i.name) for i in infos)
        return "\n".join(f"  {i.name:<{width}}  {i.description}" for i in infos)
    except Exception as exc:  # the help must come out even if a scenario file is broken
        return f"  (could not read the scenario files: {exc})"
