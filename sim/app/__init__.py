"""The interactive dashboard (``muscat-sim-app``): a Solara page over the public API of :mod:`sim`.

:mod:`sim.app.state` computes (knobs, live odds, saved runs) without Solara;
:mod:`sim.app.dashboard` lays out the page and its callbacks, with
:mod:`sim.app.tables` (the HTML of the odds and of the episode's state) and
:mod:`sim.app.episode` (one episode, round by round); :mod:`sim.app.assets` fetches Solara's
front-end files for machines that cannot reach its CDN. Needs the ``app``
extra: ``pip install -e '.[app]'``.
"""
