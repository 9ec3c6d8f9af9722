"""Helpers shared by the test suites (SDK validation of Realtime events)."""
