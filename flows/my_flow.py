"""The flow of the Prefect ECS guide: one log line, run on the stack's ECS work pool."""

from prefect import flow, get_run_logger


@flow
def my_flow() -> None:
    """Log a greeting from inside the flow-run task."""
    logger = get_run_logger()
    logger.info("Hello from ECS!!")


if __name__ == "__main__":
    my_flow()
