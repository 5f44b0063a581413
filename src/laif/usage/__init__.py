"""Usage: the ledger of finished job runs read from the scheduler's accounting (sacct parsing and
the month split, pure), its running totals, and the balances of allocations read from it
(ADR 0007, 0017, 0020)."""
