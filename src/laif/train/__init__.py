"""Upskill & Train: the course catalogue, sessions with seats and a waitlist, attendance and
certificates anyone can verify (issue 21, ADR 0034)."""
