"""Operations run on the deployer's machine by the stack's commands (readiness, drain, flow delivery)."""
