"""Pytest plugins shared by the test suite (load with ``-p tests.plugins.prefect_server``)."""
