"""From Hydra configuration files to the core's typed parameters: composition, schemas, one-line errors."""
