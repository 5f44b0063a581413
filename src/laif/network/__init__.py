"""The network of EuroHPC AI Factories: requests referred to another factory when a capability
is not local, and referrals received from other factories (issue 21, part 3)."""
