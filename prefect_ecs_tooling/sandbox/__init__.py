"""The sandbox: the stack deployed into a local AWS emulator (moto) and a local Prefect server.

``emulator``: start moto, and ``MotoAws`` (a resource/invoke hook for the in-process
runner that creates every resource for real in moto, and deletes it again with
``destroy()``; per-type code in :mod:`prefect_ecs_tooling.aws_types`). ``counting``: a
reverse proxy in front of moto that counts AWS API calls by service and operation and
records each call. ``rehearsal``: the end-to-end rehearsal behind ``python -m
prefect_ecs_tooling sandbox`` (``rehearse`` and ``main``), in steps from ``report``
(report, step and check helpers), ``prefect_side`` (pool, deployment and flow runs
through Prefect's client), ``processes`` (the long-lived worker process), ``phases``
(its calls counted per phase), ``crash`` (a stopped task's event through EventBridge),
``permissions`` (every call authorized against the stack's policy), ``verify`` (checks
from moto's side), ``destroy`` and ``interrupts``.
"""
