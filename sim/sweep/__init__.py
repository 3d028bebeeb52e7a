"""Sweeps: one tidy table of results for a Hydra multirun, written as jobs finish.

A sweep is a Hydra multirun (``muscat-sim -m KEY=A,B ...`` or a named sweep,
``muscat-sim -m sweep=agenda_vs_mediator``). Each job runs like a single run and
writes its ``summary.json`` and ``episodes.parquet`` in its own directory; this
package ties the jobs together:

- :mod:`~sim.sweep.identity`: a job's key (a hash of its result-relevant
  overrides and of the config files) and its seed. Common random numbers by
  default: every job uses the same ``seed``, so differences between jobs are
  paired; ``hydra.sweeper.crn=false`` derives each job's seed from its overrides.
- :mod:`~sim.sweep.table`: each finished job appends one row to the sweep
  root's ``sweep_rows.jsonl`` under a file lock; ``sweep.parquet`` and
  ``sweep.csv`` are rewritten atomically from the rows. A failed job is a row
  with ``status = failed`` and its error.
- :mod:`~sim.sweep.plan`: the manifest, and the jobs already done (running the
  same sweep again only runs what is missing or failed).
- :mod:`~sim.sweep.callback`: the Hydra callback that writes each job's row, in
  the process that ran it (a local worker, a SLURM node).
- :mod:`~sim.sweep.loader`: Hydra's config loader with the one cache of
  composed configurations (:mod:`sim.config.cache`).
"""
