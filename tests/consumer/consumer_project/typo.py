"""Planted mistake: mypy, reading prefect-ecs's py.typed, must report the unknown key."""

from prefect_ecs import PrefectEcsWorker

PrefectEcsWorker(
    "etl", {"prefect_api_url": "https://prefect.example.com/api", "worker_memroy": 4096}
)
