"""What reading ``sacct --json`` output raises (pure)."""

from __future__ import annotations

from laif.cluster import slurm_json


class SacctFormatError(slurm_json.SlurmJsonError):
    """The bytes are not ``sacct --json`` output that this module can read."""


class SacctReportedError(SacctFormatError):
    """sacct printed errors in its output (its ``errors`` list): the records cannot be trusted."""
