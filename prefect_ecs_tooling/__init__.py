"""Repository tooling for prefect-ecs: not part of the wheel consumers install.

The in-process runner (a stack program under Pulumi mocks), the offline plan, the policy
pack runner, a throwaway local Prefect server, and the rehearsal in an AWS emulator. Run
as ``python -m prefect_ecs_tooling plan|policy|sandbox`` from the repository root (the
Makefile does).
"""
