"""Sweeps: job identity and seeds, the locked results table, the manifest and resume, the Hydra callback."""
