"""Pilot runs: which rows to run first to learn output length, what they say about the whole job,
and when enough is known (``estimator.pilot`` makes one round; its options and result are here)."""

from estimator.piloting.pilot import PilotOptions, PilotRound

__all__ = ["PilotOptions", "PilotRound"]
