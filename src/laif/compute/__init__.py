"""Build & Test, part 1: the cluster as data, capacity pools and GPU-hour allocations.

``capacity`` and ``awards`` are pure modules (no Django); the rest follows the accounts app's
layout (models, services, selectors, api, views)."""
