"""The consumer's stack program: everything is declared in ``infra``."""

import infra  # noqa: F401
