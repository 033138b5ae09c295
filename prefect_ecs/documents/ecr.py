"""The flow-image repository's lifecycle policy (pure)."""

from __future__ import annotations

from typing import Any

__all__ = ["keep_last_images_policy"]


def keep_last_images_policy(count: int) -> dict[str, Any]:
    """ECR lifecycle policy: keep the newest ``count`` images, expire the rest. Untagged
    images count too (with immutable tags every build pushes a new tag anyway)."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"keep the newest {count} flow images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": count,
                },
                "action": {"type": "expire"},
            }
        ]
    }
