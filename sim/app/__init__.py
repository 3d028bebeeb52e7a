"""The interactive dashboard (``muscat-sim-app``): a Solara page over the public API of :mod:`sim`.

:mod:`sim.app.state` computes (knobs, live odds, saved runs) without Solara;
:mod:`sim.app.dashboard` draws it; :mod:`sim.app.assets` fetches Solara's
front-end files for machines that cannot reach its CDN. Needs the ``app``
extra: ``pip install -e '.[app]'``.
"""
