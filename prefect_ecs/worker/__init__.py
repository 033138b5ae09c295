"""The ``PrefectEcsWorker`` component and its per-concern parts."""

from .component import TYPE_TOKEN, PrefectEcsWorker

__all__ = ["TYPE_TOKEN", "PrefectEcsWorker"]
