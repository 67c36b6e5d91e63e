"""Shared fixtures."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

# openpyxl writes other (equally valid) XLSX bytes when lxml is installed, which feedgen
# brings in; the fixture scripts' committed bytes come from its standard-library writer.
# Set before anything imports openpyxl: it reads the variable once, on import.
os.environ.setdefault("OPENPYXL_LXML", "False")
# The validation cache (generator/validate/cache.py) goes to $XDG_CACHE_HOME: a folder of this
# session's, never the operator's own cache, for the builds here and the programs they start.
TEST_CACHE_HOME = tempfile.mkdtemp(prefix="gongkai-test-cache-")
os.environ["XDG_CACHE_HOME"] = TEST_CACHE_HOME
atexit.register(shutil.rmtree, TEST_CACHE_HOME, ignore_errors=True)  # xdist's controller too

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, DATA_DIR, copy_project, public_project

from generator.build import PROJECT_DIR, build_site
from generator.publish.site.preview import create_server


@pytest.fixture(scope="session", autouse=True)
def private_cache_home() -> Iterator[Path]:
    """The session's ``XDG_CACHE_HOME`` (set on import, above), removed when it ends."""
    os.environ["XDG_CACHE_HOME"] = TEST_CACHE_HOME
    yield Path(TEST_CACHE_HOME)
    shutil.rmtree(TEST_CACHE_HOME, ignore_errors=True)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the site sources to build with other settings; returns its ``mkdocs.yml``."""
    return copy_project(tmp_path)


@pytest.fixture(scope="session")
def public_site(tmp_path_factory) -> tuple[Path, str]:
    """The demo built as a deployment is, with ``site_url`` set: (site folder, site_url)."""
    config, url = public_project(tmp_path_factory.mktemp("public"))
    site = config.parent.parent / "site"
    build_site(DATA_DIR, site, config_file=config)
    return site, url


# The demo site in a real browser, shared by the end-to-end test modules.

ARTIFACTS = PROJECT_DIR / "test-artifacts"


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> tuple[Path, dict]:
    """The demo site, built once per session: (site folder, quality report)."""
    site = tmp_path_factory.mktemp("demo") / "site"
    start = time.monotonic()
    report = build_site(DATA_DIR, site, progress=False)
    pages = len(list(site.rglob("*.html")))
    print(f"\ndemo site: {pages} HTML pages in {time.monotonic() - start:.2f} s")
    return site, report


@pytest.fixture(scope="session")
def site_url(demo_site) -> Iterator[str]:
    """The demo site served on a free loopback port."""
    yield from _served(demo_site[0])


# The same checks under both engines: a test takes `engine_site` (and `engine_url`) instead of
# `demo_site` (and `site_url`) and runs once per engine. The MkDocs build is `demo_site` itself.

ENGINES = ("mkdocs", "zensical")


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory) -> tuple[Path, dict]:
    """The demo site with its editorial pages built by Zensical, once per session."""
    site = tmp_path_factory.mktemp("zensical") / "site"
    start = time.monotonic()
    report = build_site(DATA_DIR, site, progress=False, engine="zensical")
    print(f"\nzensical demo site: {time.monotonic() - start:.2f} s")
    return site, report


@pytest.fixture(scope="session", params=ENGINES)
def engine(request) -> str:
    """Each engine in turn."""
    return request.param


@pytest.fixture(scope="session")
def engine_site(request, engine) -> tuple[Path, dict]:
    """The demo site built with :func:`engine`: (site folder, quality report)."""
    return request.getfixturevalue("demo_site" if engine == "mkdocs" else "zensical_site")


@pytest.fixture(scope="session")
def engine_url(engine_site) -> Iterator[str]:
    """:func:`engine_site` served on a free loopback port."""
    yield from _served(engine_site[0])


@pytest.fixture(scope="session")
def engine_public_site(request, tmp_path_factory, engine) -> tuple[Path, str]:
    """The demo built with :func:`engine` as a deployment is, ``site_url`` set."""
    if engine == "mkdocs":
        return request.getfixturevalue("public_site")
    config, url = public_project(tmp_path_factory.mktemp(f"public-{engine}"))
    site = config.parent.parent / "site"
    build_site(DATA_DIR, site, config_file=config, engine=engine)
    return site, url


def _served(site: Path) -> Iterator[str]:
    with create_server(site, port=0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}/"
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
