"""Jobs: submission inside the GPU budget, dispatch exactly once, job states, output files,
templates, and the reconciliation of each project's Slurm account (ADR 0006, 0010, 0011, 0014,
0020)."""
