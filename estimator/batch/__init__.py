"""Batch API files: request and result shapes per provider, validation, writing, logistics."""

from estimator.batch.files import BatchFileReport, batch_request_format, detect_batch_format, read_batch_file
from estimator.batch.logistics import (
    DEFAULT_TYPICAL_WAVE_HOURS,
    BatchPlan,
    ExpiryOutcome,
    FileLimits,
    QueueLimit,
    expiry_outcome,
    plan_measured,
    plan_uniform,
)
from estimator.batch.outputs import OutputProfile, interval_notes, load_output_profile, output_profile_from_results
from estimator.batch.profile import profile_from_batch
from estimator.batch.reconciliation import Failure, Reconciliation, RequestComparison, RetryPlan, TokenTotals, reconcile
from estimator.batch.results import ResultRecord, ResultUsage, read_results
from estimator.batch.writer import (
    DEFAULT_CHARS_PER_TOKEN,
    BatchFileOptions,
    Manifest,
    estimate_line_bytes,
    format_for,
    iter_requests,
    prompt_token_counter,
    write_batch_files,
)

__all__ = [
    "Failure",
    "OutputProfile",
    "Reconciliation",
    "RequestComparison",
    "ResultRecord",
    "ResultUsage",
    "RetryPlan",
    "TokenTotals",
    "interval_notes",
    "load_output_profile",
    "output_profile_from_results",
    "read_results",
    "reconcile",
    "DEFAULT_CHARS_PER_TOKEN",
    "DEFAULT_TYPICAL_WAVE_HOURS",
    "BatchFileOptions",
    "BatchFileReport",
    "BatchPlan",
    "ExpiryOutcome",
    "FileLimits",
    "Manifest",
    "QueueLimit",
    "batch_request_format",
    "detect_batch_format",
    "estimate_line_bytes",
    "expiry_outcome",
    "format_for",
    "iter_requests",
    "plan_measured",
    "plan_uniform",
    "profile_from_batch",
    "prompt_token_counter",
    "read_batch_file",
    "write_batch_files",
]
