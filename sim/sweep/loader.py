"""Hydra's config loader for the jobs of a sweep, composing each job in milliseconds instead of ~0.3 s.

Installed by the table sweeper. With ``fast_compose: true``, each distinct set of
structural overrides is composed once per process by Hydra's own loader
(:class:`sim.config.cache.ComposeCache`), the swept values are applied to a
copy, and the overrides are recorded in ``hydra.overrides.task`` and
``hydra.job.override_dirname`` as Hydra does. Anything else goes through
Hydra's loader unchanged (all of it with ``fast_compose: false``).

A launcher's worker process receives this loader (pickled) before its first
job: unpickling it installs :func:`sim.sweep.job_config.install` there, so the
worker saves each job's ``.hydra/*.yaml`` atomically.
"""

from __future__ import annotations

from sim.config.cache import ComposeCache, parse


class CachedSweepLoader:
    """Wraps Hydra's config loader (``inner``); every other attribute is the inner loader's."""

    def __init__(self, inner, fast: bool = True) -> None:
        self.inner = inner
        self.fast = fast
        self._master = None
        self._cache = ComposeCache(lambda structural: self.inner.load_sweep_config(self._master, structural), self._is_group)

    def __getstate__(self) -> dict:
        return {"inner": self.inner, "fast": self.fast}  # every process builds its own cache

    def __setstate__(self, state: dict) -> None:
        from sim.sweep import job_config

        job_config.install()  # unpickled in a launcher's worker, before it saves its first job's configuration
        self.__init__(state["inner"], state.get("fast", True))

    def __getattr__(self, name: str):
        if name in ("inner", "fast", "_master", "_cache"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _is_group(self, key: str) -> bool:
        try:
            return bool(self.inner.repository.group_exists(key))
        except Exception:
            return True

    def load_sweep_config(self, master_config, sweep_overrides: list[str]):
        overrides = list(sweep_overrides)
        if not self.fast:
            return self.inner.load_sweep_config(master_config, overrides)
        try:
            cfg = self._fast(master_config, overrides)
        except Exception:  # whatever the fast path cannot do, Hydra's loader does (and reports)
            cfg = None
        return cfg if cfg is not None else self.inner.load_sweep_config(master_config, overrides)

    def _fast(self, master_config, overrides: list[str]):
        from hydra._internal.config_loader_impl import get_overrides_dirname
        from omegaconf import open_dict

        self._master = master_config  # the same for every job of a sweep
        parsed = parse(overrides)
        cfg = self._cache(parsed)
        if cfg is None:
            return None
        task = [o for o in parsed if not o.is_hydra_override()]
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in task]
            dirname = cfg.hydra.job.config.override_dirname
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=task, kv_sep=dirname.kv_sep, item_sep=dirname.item_sep, exclude_keys=list(dirname.exclude_keys)
            )
        return cfg
