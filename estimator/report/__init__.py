"""What an estimate says: the estimate document, text tables, and the one JSON/CSV encoder."""
