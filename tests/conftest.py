"""Shared fixtures: ``browser`` (one headless Chromium per test module, offline pages only)."""

from tests.kit.browser import browser  # noqa: F401 - registers the fixture
