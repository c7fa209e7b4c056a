"""Token counting: offline encodings, the tokenizer registry, and chat framing."""

from estimator.tokens.tokenizers import (
    Tokenizer,
    TokenizerBackendWarning,
    chat_tokens,
    encoding_for_model,
    get_tokenizer,
    known_tokenizers,
    load_encoding,
)

__all__ = [
    "Tokenizer",
    "TokenizerBackendWarning",
    "chat_tokens",
    "encoding_for_model",
    "get_tokenizer",
    "known_tokenizers",
    "load_encoding",
]
