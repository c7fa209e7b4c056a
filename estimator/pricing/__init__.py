"""Price data: the strict file schema, the price book and its dated look-ups."""
