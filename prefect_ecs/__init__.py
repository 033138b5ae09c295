"""prefect-ecs: run Prefect workers on AWS ECS with Pulumi, secure by default."""

from .args import DEFAULT_WORKER_IMAGE, DEFAULTS, PrefectEcsWorkerArgs
from .stack_config import load_worker_args
from .validation import PrefectEcsConfigError
from .worker.component import TYPE_TOKEN, PrefectEcsWorker

__all__ = [
    "DEFAULTS",
    "DEFAULT_WORKER_IMAGE",
    "TYPE_TOKEN",
    "PrefectEcsConfigError",
    "PrefectEcsWorker",
    "PrefectEcsWorkerArgs",
    "load_worker_args",
]
