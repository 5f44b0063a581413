"""Scale & Execute (issue 23): AI Act governance first (``ai_act``, pure); the model registry,
the deployment ledger and drift monitoring arrive with their slices."""
