"""Connect: matching a company's need to the factory's experts and partners (issue 21)."""
