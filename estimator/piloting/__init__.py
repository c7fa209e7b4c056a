"""Pilot runs: which rows to run first to learn output length, what they say about the whole job,
and when enough is known (``estimator.pilot`` makes one round; its options and result are here)."""

import typing

from estimator._lazy import lazy_names as _lazy_names

if typing.TYPE_CHECKING:
    from estimator.piloting.pilot import PilotOptions, PilotRound

__getattr__, __dir__ = _lazy_names(__name__, {
    "PilotOptions": "estimator.piloting.pilot",
    "PilotRound": "estimator.piloting.pilot",
})

__all__ = ["PilotOptions", "PilotRound"]
