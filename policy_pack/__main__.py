"""Entry point run by `pulumi preview --policy-pack policy_pack`: builds the pack only."""

from pulumi_policy import EnforcementLevel, PolicyPack

from prefect_ecs_policies import ALL_POLICIES, PACK_NAME

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=ALL_POLICIES,
)
