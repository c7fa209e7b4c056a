"""Support-ticket texts for the files the app tests upload.

Between them they carry a cracked-screen order, an expired link, quoted euro amounts, French
accents, a line break inside a cell, a cell that looks like a spreadsheet formula, the text
"NA" (which some readers take for a missing value) and Japanese.
"""

from __future__ import annotations

TEXTS = [
    "My order #4521 arrived with a cracked screen. Can I get a replacement?",
    "How do I reset my password? The link in the e-mail has expired.",
    'The invoice says "€49.99" but I was charged €59.99, please check.',
    "Le colis n'est jamais arrivé, pouvez-vous vérifier le suivi ?",
    "Multi-line message:\nfirst line\nsecond line, with a comma",
    "=SUM(A1:A2) looks like a formula but is just text",
    "NA",
    "注文した商品がまだ届いていません。確認してください。",
]
