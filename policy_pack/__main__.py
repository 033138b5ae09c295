"""Entry point run by `pulumi preview --policy-pack policy_pack`: builds the pack only."""

from prefect_ecs_policies import ALL_POLICIES, PACK_NAME
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=ALL_POLICIES,
)
