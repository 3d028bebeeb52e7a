"""The command line: the Hydra app, its pre-flight checks, the printed report and the small argparse commands."""
