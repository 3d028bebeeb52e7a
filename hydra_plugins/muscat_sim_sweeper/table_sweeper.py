"""The table sweeper: Hydra's basic grid sweeper, made to resume and to keep going.

Differences from ``hydra/sweeper=basic``:

- jobs whose row in the sweep table says they are done are not launched
  again (``skip_done``), and the others keep their job numbers, so their
  directories are those of the first attempt;
- a failed job does not stop the sweep nor raise at its end: it is a row of
  the table with its error (written by ``sim.sweep.callback.SweepTable``), and the
  command line reports the count;
- the jobs' configurations are not composed a second time in the main
  process before launching (``validate: false``): the command line has
  already composed and checked every value of every swept parameter, and
  composing 100 configurations serially would cost ~20 s;
- each job's configuration is composed by ``sim.sweep.loader.CachedSweepLoader``
  (``fast_compose: true``): the tree once per set of config-group choices,
  then the swept values applied to a copy, milliseconds instead of ~0.3 s;
- every job's ``.hydra/*.yaml`` and the sweep's ``multirun.yaml`` are written
  atomically, in the launcher's worker processes too (``sim.sweep.job_config``).

Logic lives in :mod:`sim.sweep`; Hydra only finds plugins in the
``hydra_plugins`` namespace, hence this thin module.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)


class TableSweeper(BasicSweeper):
    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        skip_done: bool = True,
        validate: bool = False,
        crn: bool = True,
        fast_compose: bool = True,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.skip_done = skip_done
        self.validate = validate
        self.crn = crn  # read by each job from its Hydra config (sim.sweep.identity.job_seed)
        self.fast_compose = fast_compose

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        from sim.sweep.loader import CachedSweepLoader

        # Always wrapped: the wrapper also makes a worker process save its jobs' configurations atomically.
        loader = CachedSweepLoader(hydra_context.config_loader, fast=self.fast_compose)
        hydra_context = HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        from sim.io import atomic_write_text
        from sim.sweep.identity import job_fingerprint
        from sim.sweep.plan import finish_report, plan_sweep

        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        params_conf = self._parse_config()
        params_conf.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        overrides = parser.parse_overrides(params_conf)
        swept = [o.get_key_element().lstrip("+~") for o in overrides if o.is_sweep_override()]
        jobs = [job for batch in self.split_arguments(overrides, None) for job in batch]

        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(sweep_dir / "multirun.yaml", OmegaConf.to_yaml(self.config))
        fingerprint = job_fingerprint(self.config.hydra)  # every config folder the jobs read, users' included
        plan = plan_sweep(sweep_dir, jobs, swept, skip_done=self.skip_done, crn=self.crn, fingerprint=fingerprint)
        if plan.skipped:
            log.info(f"Sweep {sweep_dir}: {plan.skipped} of {len(jobs)} jobs already done, skipped")

        returns = []
        size = self.max_batch_size or len(jobs) or 1
        for start, run in plan.launches():
            for offset in range(0, len(run), size):
                batch = run[offset : offset + size]
                if self.validate:
                    self.validate_batch_is_legal(batch)
                returns.extend(self.launcher.launch(batch, initial_job_idx=start + offset))
        finish_report(plan, returns)
        return [returns]
