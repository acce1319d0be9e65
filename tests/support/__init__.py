"""Helpers shared by the test layers: where the shared logs are, runs fed in pieces, and
snapshots built by hand for the UI tests."""
