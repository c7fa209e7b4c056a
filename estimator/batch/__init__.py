"""Batch API files: request and result shapes per provider, validation, writing, logistics, reconciliation.

Helpers of the command line and the app (line formats, file splitting, the profile of a
batch file) live in their modules: ``estimator.batch.writer``, ``.logistics``, ``.files``...
"""

from estimator.batch.attribution import GapAttribution
from estimator.batch.billing import BillingCheck
from estimator.batch.files import BatchFileReport, read_batch_file
from estimator.batch.logistics import BatchPlan, ExpiryOutcome, FileLimits, QueueLimit
from estimator.batch.outputs import OutputProfile, load_output_profile
from estimator.batch.reconciliation import (
    Failure,
    ReconcileOptions,
    Reconciliation,
    RequestComparison,
    RetryPlan,
    TokenTotals,
    UnknownUsage,
    reconcile,
)
from estimator.batch.results import ResultRecord, read_results
from estimator.batch.writer import BatchFileOptions, Manifest

__all__ = [
    "BatchFileOptions",
    "BatchFileReport",
    "BatchPlan",
    "BillingCheck",
    "ExpiryOutcome",
    "Failure",
    "FileLimits",
    "GapAttribution",
    "Manifest",
    "OutputProfile",
    "QueueLimit",
    "Reconciliation",
    "ReconcileOptions",
    "RequestComparison",
    "ResultRecord",
    "RetryPlan",
    "TokenTotals",
    "UnknownUsage",
    "load_output_profile",
    "read_batch_file",
    "read_results",
    "reconcile",
]
