"""Batch API files: request and result shapes per provider, validation, writing, logistics, reconciliation.

Helpers of the command line and the app (line formats, file splitting, the profile of a
batch file) live in their modules: ``estimator.batch.writer``, ``.logistics``, ``.files``...
"""

import typing

from estimator._lazy import lazy_names as _lazy_names

if typing.TYPE_CHECKING:
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

__getattr__, __dir__ = _lazy_names(__name__, {
    "BatchFileOptions": "estimator.batch.writer",
    "BatchFileReport": "estimator.batch.files",
    "BatchPlan": "estimator.batch.logistics",
    "BillingCheck": "estimator.batch.billing",
    "ExpiryOutcome": "estimator.batch.logistics",
    "Failure": "estimator.batch.reconciliation",
    "FileLimits": "estimator.batch.logistics",
    "GapAttribution": "estimator.batch.attribution",
    "Manifest": "estimator.batch.writer",
    "OutputProfile": "estimator.batch.outputs",
    "QueueLimit": "estimator.batch.logistics",
    "ReconcileOptions": "estimator.batch.reconciliation",
    "Reconciliation": "estimator.batch.reconciliation",
    "RequestComparison": "estimator.batch.reconciliation",
    "ResultRecord": "estimator.batch.results",
    "RetryPlan": "estimator.batch.reconciliation",
    "TokenTotals": "estimator.batch.reconciliation",
    "UnknownUsage": "estimator.batch.reconciliation",
    "load_output_profile": "estimator.batch.outputs",
    "read_batch_file": "estimator.batch.files",
    "read_results": "estimator.batch.results",
    "reconcile": "estimator.batch.reconciliation",
})

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
