"""Shared test configuration. Area-specific fixtures live in each area's own conftest."""
