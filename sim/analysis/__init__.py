"""Analysis of results: read tables of runs, score them, draw them. Imports the core, never the command line."""
