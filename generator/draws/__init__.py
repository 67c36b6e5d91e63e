"""Draws: verifiable random draws, committed, revealed and re-checked; imports model and below, never stats or publish."""
