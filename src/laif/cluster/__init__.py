"""The cluster as the platform drives it: the scheduler adapters (``scheduler/``, no Django), the
Slurm JSON layouts, this installation's key and the platform's own Slurm accounts."""
