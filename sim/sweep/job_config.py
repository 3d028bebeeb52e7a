"""Each job's saved configuration (``.hydra/config.yaml``, ``hydra.yaml``, ``overrides.yaml``) written whole or
not at all.

Hydra writes these files with a plain ``open(..., "w")`` before the job starts, in the process that runs the
job: a job killed or out of disk mid-write left a truncated file that a later resume or a reader took for the
job's configuration. :func:`install` makes Hydra write them through :func:`sim.io.atomic_write_text` (a
temporary file renamed into place). The command line installs it in its own process (the basic launcher);
a launcher's worker process (joblib, submitit) installs it when it receives the sweep's config loader
(:class:`sim.sweep.loader.CachedSweepLoader`), before it composes and saves its first job.
"""

from __future__ import annotations

from pathlib import Path


def save_config_atomically(cfg, filename: str, output_dir: Path) -> None:
    """What Hydra's ``_save_config`` writes (the YAML of ``cfg`` in ``output_dir / filename``), atomically."""
    from omegaconf import OmegaConf

    from sim.io import atomic_write_text

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(output_dir / filename, OmegaConf.to_yaml(cfg))


def install() -> None:
    """Make Hydra save every job's configuration in this process with :func:`save_config_atomically`."""
    from hydra.core import utils

    utils._save_config = save_config_atomically
