"""prefect-ecs stack: one Prefect ECS worker, configured from Pulumi.<stack>.yaml."""

import pulumi

from prefect_ecs import PrefectEcsWorker, load_worker_args

worker = PrefectEcsWorker("prefect", load_worker_args())

for key, value in worker.outputs().items():
    pulumi.export(key, value)
