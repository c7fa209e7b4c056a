"""Token counting: offline encodings, the tokenizer registry, and chat framing."""
