"""Hydra plugin of the Muscat talks simulator: the table sweeper (``hydra/sweeper=table``)."""
