"""Seed 003: DevFlow Engine's coding sessions (table ``devflow-sessions``)."""
