"""Batch API files: request and result shapes per provider, validation, writing, logistics."""
