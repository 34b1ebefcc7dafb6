"""Helpers the test suites share: real services started for the duration of a test run."""
