"""A Prefect work pool as a Pulumi dynamic resource, usable on its own.

Importing this package has no side effects::

    from prefect_ecs.work_pool import WorkPool

    pool = WorkPool("pool", {"api_url": "http://127.0.0.1:4200/api", "name": "ecs-pool"})
"""

from .provider import WorkPoolProvider
from .resource import WorkPool, WorkPoolArgs, WorkQueueArgs
from .transport import (
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    DEFAULT_RETRY_BUDGET_SECONDS,
    PrefectApiError,
    PrefectApiUnavailable,
    PrefectAuthError,
)
from .validation import (
    UNKNOWN,
    template_placeholders,
    validate_api_url,
    validate_base_job_template,
    validate_inputs,
    validate_pool_name,
    validate_queues,
)

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT_SECONDS",
    "DEFAULT_RETRY_BUDGET_SECONDS",
    "UNKNOWN",
    "PrefectApiError",
    "PrefectApiUnavailable",
    "PrefectAuthError",
    "WorkPool",
    "WorkPoolArgs",
    "WorkPoolProvider",
    "WorkQueueArgs",
    "template_placeholders",
    "validate_api_url",
    "validate_base_job_template",
    "validate_inputs",
    "validate_pool_name",
    "validate_queues",
]
