"""Allocations: periods, capacity pools, allocation requests and their review, allocations with
their changes and life cycle, EuroHPC awards (ADR 0005, 0009, 0020)."""
