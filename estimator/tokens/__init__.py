"""Token counting: offline encodings, exact and calibrated counters, the tokenizer registry, chat framing.

``get_tokenizer(spec)`` gives the tokenizer a price table names for a model
(``Model.tokenizer``); every count says how it was obtained.
"""

from estimator.tokens.exact import TokenizerBackendWarning
from estimator.tokens.registry import get_tokenizer, known_tokenizers
from estimator.tokens.tokenizer import Tokenizer, chat_tokens
from estimator.tokens.tokenizer import chat_overhead_tokens as chat_overhead_tokens  # for the counting engine

__all__ = ["Tokenizer", "TokenizerBackendWarning", "chat_tokens", "get_tokenizer", "known_tokenizers"]
