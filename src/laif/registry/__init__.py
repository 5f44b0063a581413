"""The model registry: models, versions and their artefacts, aliases, deployments (ADR 0033)."""
