"""The flow image's ECR repository: tags cannot be moved and every push is scanned."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy

from .common import ECR_REPOSITORY, MANDATORY, Report, get

#: Tag mutability settings under which a pushed tag cannot be moved to another image.
IMMUTABLE_SETTINGS = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def _validate_hardened(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != ECR_REPOSITORY:
        return
    mutability = get(args.props, "imageTagMutability")
    if mutability not in IMMUTABLE_SETTINGS:
        shown = f"is {mutability}" if mutability else "is unset (ECR's default: MUTABLE)"
        report(
            f"imageTagMutability {shown}: a pushed tag could be moved to another image, so "
            "the tag a deployment names is not the image that was built; set IMMUTABLE."
        )
    scanning = get(args.props, "imageScanningConfiguration")
    if not get(scanning, "scanOnPush"):
        shown = "is unset" if scanning is None else "has scanOnPush false"
        report(
            f"imageScanningConfiguration {shown}: pushed images are not scanned for "
            "vulnerabilities; set imageScanningConfiguration.scanOnPush to true."
        )


prefect_ecr_repository_hardened = ResourceValidationPolicy(
    name="prefect-ecr-repository-hardened",
    description=(
        "ECR repositories must have immutable tags (IMMUTABLE or IMMUTABLE_WITH_EXCLUSION) "
        "and scan images on push."
    ),
    enforcement_level=MANDATORY,
    validate=_validate_hardened,
)

POLICIES = [prefect_ecr_repository_hardened]
