"""Counting a dataset's tokens: prompts from rows, exact and sampled passes, Dask."""
