"""Funding: the 80% compute cashback claims and the aid an organisation received (de minimis)."""
