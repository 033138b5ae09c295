"""prefect-ecs: run Prefect workers on AWS ECS with Pulumi, secure by default.

``PrefectEcsWorker(name, args)`` builds a worker and everything around it;
``load_worker_args()`` reads its arguments from stack config; ``WorkPool`` (in
``prefect_ecs.work_pool``) manages a Prefect work pool on its own.
"""

from .args import ARGS, DEFAULT_WORKER_IMAGE, DEFAULTS, Arg
from .stack_config import load_worker_args
from .validation import PrefectEcsConfigError
from .worker.component import TYPE_TOKEN, PrefectEcsWorker
from .worker_args import PrefectEcsWorkerArgs

__all__ = [
    "ARGS",
    "DEFAULTS",
    "DEFAULT_WORKER_IMAGE",
    "TYPE_TOKEN",
    "Arg",
    "PrefectEcsConfigError",
    "PrefectEcsWorker",
    "PrefectEcsWorkerArgs",
    "load_worker_args",
]
