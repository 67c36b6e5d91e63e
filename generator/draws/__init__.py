"""Draws: verifiable random draws, committed, revealed, checked; imports model and below."""
