"""Job schedulers behind one interface (``base.Scheduler``): ``local`` (the embedded runner),
``slurm`` and ``fake`` (tests). Pure: no Django here; ``laif.cluster.selectors.get_scheduler``
gives the one the settings name (``LAIF_EXECUTOR``)."""
