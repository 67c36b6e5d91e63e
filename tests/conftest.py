"""Shared fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build import PROJECT_DIR
from generator.pages import GENERATED_DIR


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the site sources (mkdocs.yml, site_src/, overrides/) to build without
    touching the working tree's ``site_src/generated/``; returns its ``mkdocs.yml``."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "overrides", project / "overrides")
    shutil.copytree(
        PROJECT_DIR / "site_src", project / "site_src", ignore=shutil.ignore_patterns(GENERATED_DIR)
    )
    shutil.copy(PROJECT_DIR / "mkdocs.yml", project / "mkdocs.yml")
    return project / "mkdocs.yml"
