"""Token counting: offline encodings, exact and calibrated counters, the tokenizer registry, chat framing.

``get_tokenizer(spec)`` gives the tokenizer a price table names for a model
(``Model.tokenizer``); every count says how it was obtained.
"""

from estimator.tokens.encodings import ENCODING_SHA256, EXACT_SPECS, encoding_from_file, load_encoding
from estimator.tokens.exact import TokenizerBackendWarning
from estimator.tokens.registry import clear_caches, get_tokenizer, known_tokenizers
from estimator.tokens.tokenizer import Tokenizer, chat_overhead_tokens, chat_tokens

__all__ = [
    "ENCODING_SHA256",
    "EXACT_SPECS",
    "Tokenizer",
    "TokenizerBackendWarning",
    "chat_overhead_tokens",
    "chat_tokens",
    "clear_caches",
    "encoding_from_file",
    "get_tokenizer",
    "known_tokenizers",
    "load_encoding",
]
