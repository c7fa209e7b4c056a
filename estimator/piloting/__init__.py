"""Pilot runs: which rows to run first to learn output length, what they say about the whole job,
and when enough is known (``pilot``, ``PilotRound``)."""
