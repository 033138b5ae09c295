"""Pure document builders: plain values in, plain dicts out (no Pulumi, no I/O).

``iam`` (policy documents), ``containers`` (the worker's container definition),
``job_template`` (the work pool's ECS base job template), ``fargate`` (task sizes), ``cost``
(the dated price table and the stack's cost estimate). The component wires them to resources; tests read them directly.
"""
