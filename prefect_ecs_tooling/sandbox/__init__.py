"""The sandbox: the stack deployed into a local AWS emulator (moto) and a local Prefect server.

``emulator``: start moto, and ``MotoAws`` (a resource/invoke hook for the in-process
runner that creates every resource for real in moto, and deletes it again with
``destroy()``). ``counting``: a reverse proxy in front of moto that counts AWS API calls by
service and operation. ``rehearsal``: the end-to-end rehearsal behind
``python -m prefect_ecs_tooling sandbox``.
"""
