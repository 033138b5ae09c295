"""The Prefect credential: a Secrets Manager secret, and everything that reads it.

Given ``prefect_api_key`` or ``prefect_auth_string``, a new secret (name prefix, so a
re-create inside the recovery window does not collide) and a version holding the value
as a Pulumi secret. Given ``prefect_api_secret_arn``, that secret (its value is read
only when the component manages the work pool, which needs the credential for the
Prefect API). The value reaches containers only as an ECS secret: the worker's
container, its execution role and the flow-run execution role get what they need as
:class:`~prefect_ecs.worker.context.WorkerNeeds`, and so does the pool's template.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..documents import iam
from ..documents.containers import credential_secret
from ..documents.job_template import secret_arn_variables
from ..documents.names import Suffix
from ..settings import Settings
from .context import WorkerContext, WorkerNeeds

__all__ = ["Credential", "credential", "stored_credential"]


@dataclass(frozen=True)
class Credential:
    """Where the credential lives and who needs what to read it."""

    kind: pulumi.Input[str]
    """``api_key`` or ``auth_string``."""
    secret_arn: pulumi.Output[str] | None
    secret: aws.secretsmanager.Secret | None
    """The secret the component created (None for an existing one, or none at all)."""
    value: pulumi.Input[str] | None
    """The credential itself (secret), for the work pool's calls to the Prefect API."""
    needs: WorkerNeeds

    def for_kind(self, kind: str) -> pulumi.Input[str] | None:
        """The credential when it is of ``kind``, else None (the pool takes one of each)."""
        if self.value is None:
            return None
        if isinstance(self.kind, str):
            return self.value if self.kind == kind else None
        value = self.value
        return pulumi.Output.all(self.kind, value).apply(
            lambda kv: kv[1] if kv[0] == kind else None
        )


def _needs(
    ctx: WorkerContext, kind: pulumi.Input[str], secret_arn: pulumi.Output[str], kms: object
) -> WorkerNeeds:
    read = pulumi.Output.all(secret_arn=secret_arn, region=ctx.region, kms_key_arn=kms).apply(
        lambda v: iam.read_secret_statements(**v)
    )
    where = pulumi.Output.all(kind=kind, secret_arn=secret_arn)
    return WorkerNeeds(
        secrets=[where.apply(lambda v: credential_secret(**v))],
        worker_execution_statements=[read],
        flow_run_execution_statements=[read],
        job_variables=[where.apply(lambda v: secret_arn_variables(**v))],
    )


def stored_credential(ctx: WorkerContext, secret_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The credential held by an existing secret (read at deploy time), as a secret."""
    return pulumi.Output.secret(
        aws.secretsmanager.get_secret_version_output(
            secret_id=secret_arn, opts=ctx.invoke
        ).secret_string
    )


def credential(ctx: WorkerContext, s: Settings) -> Credential:
    """Store the credential (or take the existing secret) and say who reads it."""
    kms = s["secret_kms_key_arn"]
    if s.given("prefect_api_key") or s.given("prefect_auth_string"):
        kind = "auth_string" if s.given("prefect_auth_string") else "api_key"
        value = s["prefect_auth_string"] if kind == "auth_string" else s["prefect_api_key"]
        label = "API key" if kind == "api_key" else "basic-auth string"
        secret = aws.secretsmanager.Secret(
            ctx.child(Suffix.SECRET),
            name_prefix=f"{ctx.child(Suffix.SECRET)}-",
            description=f"Prefect {label} for the prefect-ecs worker '{ctx.name}'",
            kms_key_id=kms,
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        aws.secretsmanager.SecretVersion(
            ctx.child(Suffix.SECRET),
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(value),
            opts=ctx.opts(),
        )
        return Credential(kind, secret.arn, secret, value, _needs(ctx, kind, secret.arn, kms))
    if s.given("prefect_api_secret_arn"):
        secret_arn = pulumi.Output.from_input(s["prefect_api_secret_arn"])
        kind_input: pulumi.Input[str] = s["prefect_api_secret_kind"]
        stored = stored_credential(ctx, secret_arn) if s["create_work_pool"] else None
        return Credential(
            kind_input, secret_arn, None, stored, _needs(ctx, kind_input, secret_arn, kms)
        )
    # A self-hosted server without auth: nothing to store, nothing to read.
    return Credential(s["prefect_api_secret_kind"], None, None, None, WorkerNeeds())
