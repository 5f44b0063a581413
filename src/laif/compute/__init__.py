"""Build & Test: the pillar's pages and API (allocation requests, review, pools, allocations with
their balances), which compose ``allocations``, ``usage`` and ``jobs`` below it (ADR 0020); the
demo's data. It owns no model since the split."""
