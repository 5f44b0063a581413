"""Running the platform (issue 17, ADR 0015): the schedule of the periodic work, heartbeats,
``/health``, ``/metrics``, request ids and structured logs, and the staff page on the
background work. Other contexts do not depend on it; it reads their state through selectors."""
