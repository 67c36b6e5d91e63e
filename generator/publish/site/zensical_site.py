"""Build the editorial pages with Zensical (``gongkai build --engine zensical``).

Zensical reads ``mkdocs.yml`` but runs no MkDocs hooks or plugins, takes ``docs_dir`` and
``site_dir`` only inside the configuration's own folder, and cannot read MkDocs' ``!relative``
tag. So gongkai does the hooks' work itself, before and after the engine:

* **before**: a project folder of its own next to the output (removed afterwards) holds the
  pages as they are published (``generated/quality.md`` at ``quality.md``, Markdown links
  between pages rewritten to match; other generated files stay where they are), the
  hand-written pages with ``{{ config.site_name }}`` filled, the theme overrides without the
  hooks, a stylesheet for gongkai's search box (:data:`SEARCH_STYLESHEET`), and a ``mkdocs.yml`` written from the project's with the full navigation (handbook
  industries included), the same ``extra`` and Material's classic look (``variant: classic``);
* **the engine** runs in a process of its own (``python -m zensical build --strict``), so its
  messages and global state stay out of gongkai's;
* **after**: Zensical's own search index is dropped (gongkai's Pagefind search serves both
  engines), every page gets the theme-markup corrections the ``valid_markup`` hook makes (and
  one of Zensical's own: ``aria-hidden`` on the drawer overlay's label), and
  every data-driven page's content is checked against the allowlist as the other hook does.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import BuildAbort, ConfigError
from generator.publish.site.markdown import DATA_DRIVEN_KEY, GENERATED_DIR, HANDBOOK_INDEX
from generator.publish.site.navigation import entry_path, handbook_entries, insert_after
from generator.publish.site.sanitize import is_clean
from generator.publish.site.theme_markup import valid_theme_markup

ENGINES = ("mkdocs", "zensical")
"""What ``gongkai build --engine`` accepts; MkDocs + Material is the default."""

PREFIX = f"{GENERATED_DIR}/"
SNIPPETS = f"{PREFIX}snippets/"
"""Generated snippets: included into hand-written pages at the site root, never pages."""

SITE_NAME = "{{ config.site_name }}"
DROPPED = ("search.json",)
"""Files Zensical writes that the site does not publish: gongkai's Pagefind index replaces
its search (the header's box is gongkai's on both engines)."""

# Zensical's theme hides the drawer's overlay label from assistive technology with
# aria-hidden, which HTML forbids on a label of a control; Material's has none.
_OVERLAY_HIDDEN = re.compile(r'(<label class="md-overlay" for="__drawer")\s+aria-hidden="true"')
_SKIP_TARGET = '<a id="__skip" tabindex="-1"></a>'
SEARCH_STYLESHEET = "assets/stylesheets/gongkai-zensical.css"
"""The header search box's layout, which Zensical's theme does not style (the file says why)."""
_URL = re.compile(r'(\]\(|\b(?:href|src)=")([^)\s"]+)([)"])')
_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.DOTALL)


def build_with_zensical(
    config_file: Path, docs_dir: Path, site_dir: Path, extra: dict[str, Any]
) -> None:
    """Build the pages of ``docs_dir`` into ``site_dir`` (empty) with Zensical.

    Args:
        config_file: The project's ``mkdocs.yml``.
        docs_dir: Its ``docs_dir`` with ``generated/`` written.
        site_dir: The folder to fill.
        extra: The configuration's ``extra`` as the build completed it (``data_as_of``).

    Raises:
        BuildAbort: Zensical failed (strict: a warning fails), or a data-driven page's HTML
            is not clean.
        ConfigError: ``mkdocs.yml`` uses a tag gongkai cannot pass on.
    """
    raw = _load_config(config_file)
    project = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.zensical.", dir=site_dir.parent))
    try:
        published = assemble_docs(docs_dir, project / "docs", str(raw["site_name"]))
        theme = raw.get("theme") or {}
        if theme.get("custom_dir"):
            shutil.copytree(
                config_file.parent / theme["custom_dir"],
                project / "overrides",
                ignore=shutil.ignore_patterns("*.py", "*.pyc", "__pycache__", ".*"),
            )
        sheet = project / "docs" / SEARCH_STYLESHEET
        sheet.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(__file__).parent / "templates" / "zensical" / sheet.name, sheet)
        config = zensical_config(raw, project, extra, published)
        (project / "mkdocs.yml").write_text(
            yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        _run_zensical(project / "mkdocs.yml", strict=bool(raw.get("strict")))
        for child in sorted((project / "site").iterdir()):
            child.rename(site_dir / child.name)
    finally:
        shutil.rmtree(project, ignore_errors=True)
    finish_pages(site_dir, data_driven=published.data_driven)


class Published:
    """Where each Markdown page of the source is published, and which are data-driven."""

    def __init__(self) -> None:
        self.paths: dict[str, str] = {}
        """Source path → published path, for every Markdown page."""
        self.data_driven: list[str] = []
        """Published paths of the pages marked ``gongkai_data`` in their front matter."""


def assemble_docs(source: Path, target: Path, site_name: str) -> Published:
    """Copy ``source`` into ``target`` laid out as the site publishes it.

    Generated pages drop the ``generated/`` prefix (a hand-written page with the same address
    is refused, as the MkDocs hook does); Markdown links are rewritten to point where their
    page went; hand-written pages get the site's name.

    Raises:
        BuildAbort: two pages would have the same address.
    """
    published = Published()
    files = {
        p.relative_to(source).as_posix(): p
        for p in sorted(source.rglob("*"))
        if p.is_file() and p.name != ".build.lock"
    }
    for relative in files:
        if relative.endswith(".md") and not relative.startswith(SNIPPETS):
            published.paths[relative] = relative.removeprefix(PREFIX)
    taken: dict[str, str] = {}
    for relative, dest in published.paths.items():
        if dest in taken:
            raise BuildAbort(f"生成的页面 {relative} 与手写页面 {taken[dest]} 地址冲突")
        taken[dest] = relative
    known = {relative: published.paths.get(relative, relative) for relative in files}
    for relative, path in files.items():
        dest = target / known[relative]
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not relative.endswith(".md"):
            shutil.copyfile(path, dest)
            continue
        page = _Page(relative, known[relative], known)
        text = page.relink_all(path.read_text(encoding="utf-8"))
        if not relative.startswith(PREFIX):
            text = text.replace(SITE_NAME, site_name)
        elif f"\n{DATA_DRIVEN_KEY}: true\n" in text.split("\n---", 1)[0] + "\n":
            published.data_driven.append(known[relative])
        dest.write_text(text, encoding="utf-8")
    return published


def zensical_config(
    raw: dict[str, Any], project: Path, extra: dict[str, Any], published: Published
) -> dict[str, Any]:
    """The configuration Zensical builds ``project`` with, from the project's ``mkdocs.yml``."""
    config = {key: value for key, value in raw.items() if key not in ("hooks", "INHERIT")}
    config.update(docs_dir="docs", site_dir="site", extra=dict(extra))
    theme = dict(raw.get("theme") or {})
    theme.setdefault("variant", "classic")
    if theme.get("custom_dir"):
        theme["custom_dir"] = "overrides"
    config["theme"] = theme
    nav = _published_nav(raw.get("nav") or [], published.paths)
    index = project / "docs" / HANDBOOK_INDEX
    if nav and index.is_file():
        pages = [
            {title: published.paths.get(path, path)}
            for entry in handbook_entries(index.read_text(encoding="utf-8"))
            for title, path in entry.items()
        ]
        for page in pages:
            if not (project / "docs" / entry_path(page)).is_file():  # type: ignore[operator]
                raise BuildAbort(f"合规手册目录列出的页面 {entry_path(page)} 不存在")
        insert_after(nav, HANDBOOK_INDEX, pages)
    config["nav"] = nav
    config["extra_css"] = [*(raw.get("extra_css") or []), SEARCH_STYLESHEET]
    for key in ("not_in_nav", "exclude_docs"):
        if isinstance(raw.get(key), str):
            config[key] = "\n".join(_published_pattern(line) for line in raw[key].splitlines())
    config["markdown_extensions"] = _resolve_relative(
        raw.get("markdown_extensions") or [], str(project / "docs")
    )
    return config


def finish_pages(site_dir: Path, *, data_driven: list[str]) -> None:
    """Zensical's output as the site publishes it: its search index dropped, the theme's
    markup corrected, every data-driven page's content checked against the allowlist.

    Raises:
        BuildAbort: a data-driven page holds HTML outside the allowlist.
    """
    for name in DROPPED:
        (site_dir / name).unlink(missing_ok=True)
    checked = {_page_url(path) for path in data_driven}
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        url = page.relative_to(site_dir).as_posix()
        if url in checked:
            match = _ARTICLE.search(text)
            # The theme's skip-link target opens the article; the content follows it.
            if match is None or not is_clean(match[1].replace(_SKIP_TARGET, "", 1)):
                raise BuildAbort(
                    f"页面 {url} 的 HTML 含有白名单以外的标签、属性或链接；"
                    "这是 gongkai 的缺陷，网站未发布，请报告此问题"
                )
        fixed = _OVERLAY_HIDDEN.sub(r"\1", valid_theme_markup(text))
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


# Helpers


def _run_zensical(config_file: Path, *, strict: bool) -> None:
    """Run ``zensical build`` on ``config_file`` in a process of its own.

    Raises:
        BuildAbort: it failed, or is not installed.
    """
    command = [sys.executable, "-m", "zensical", "build", "--clean", "-f", str(config_file)]
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [*command, *(["--strict"] if strict else [])],
        cwd=config_file.parent,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode == 0 and "Build finished" in done.stdout:
        return
    output = (done.stderr.strip() or done.stdout.strip())[-2000:]
    if "No module named zensical" in output:
        raise BuildAbort(
            "未安装 Zensical：请运行 pip install 'gongkai[zensical]'，或改用默认的 MkDocs"
        )
    raise BuildAbort(f"网站生成失败（Zensical），未发布：{output}")


class _Page:
    """One Markdown file of the source, moved to where the site publishes it."""

    def __init__(self, source: str, dest: str, known: dict[str, str]) -> None:
        snippet = source.startswith(SNIPPETS)
        # A snippet's links are relative to the page that includes it: the root pages.
        self.base = "" if snippet else posixpath.dirname(source)
        self.new_base = "" if snippet else posixpath.dirname(dest)
        self.known = known
        """Every source file → where it is published."""
        stem = posixpath.basename(dest).removesuffix(".md")
        self.stem = None if snippet or stem == "index" else stem
        """The folder the page is published as, when it is not an index page."""

    def relink_all(self, markdown: str) -> str:
        """``markdown`` with every link (Markdown or HTML) passed through :meth:`relink`."""
        return _URL.sub(lambda m: m[1] + self.relink(m[2]) + m[3], markdown)

    def relink(self, url: str) -> str:
        """``url`` from this page, for Zensical.

        A link to a file of the source (``quality.md``, ``charts/a.csv``) is relative to the
        page's file, for both engines: it follows the file. Any other relative link (a record
        page, a download) is written for the page's address, which MkDocs leaves as it is but
        Zensical reads, like every link, as relative to the page's file: it gets the page's
        folder in front.
        """
        if not url or url.startswith(("#", "/")) or ":" in url.split("/", 1)[0]:
            return url
        path, hash_, anchor = url.partition("#")
        resolved = posixpath.normpath(posixpath.join(self.base, path))
        if resolved in self.known:
            moved = posixpath.relpath(self.known[resolved], self.new_base or ".")
        elif self.stem is None:
            return url
        else:
            moved = posixpath.normpath(posixpath.join(self.stem, path))
            if path.endswith("/") or not path:
                moved = "./" if moved == "." else moved + "/"
        return moved + hash_ + anchor


def _published_nav(nav: list[Any], paths: dict[str, str]) -> list[Any]:
    """The navigation with each page's source path replaced by where it is published."""
    result: list[Any] = []
    for entry in nav:
        if isinstance(entry, str):
            result.append(paths.get(entry, entry))
        elif isinstance(entry, dict):
            result.append(
                {
                    title: _published_nav(value, paths)
                    if isinstance(value, list)
                    else paths.get(value, value)
                    for title, value in entry.items()
                }
            )
        else:
            result.append(entry)
    return result


def _published_pattern(line: str) -> str:
    """A ``not_in_nav``/``exclude_docs`` line for the published layout (Markdown pages only)."""
    if line.strip().startswith(f"/{PREFIX}") and line.strip().endswith(".md"):
        return line.replace(f"/{PREFIX}", "/", 1)
    return line


def _resolve_relative(value: Any, docs: str) -> Any:
    """``value`` with every ``!relative`` (MkDocs: relative to ``$docs_dir``) made absolute."""
    if isinstance(value, _Relative):
        return docs if value.path in ("$docs_dir", "") else posixpath.join(docs, value.path)
    if isinstance(value, list):
        return [_resolve_relative(item, docs) for item in value]
    if isinstance(value, dict):
        return {key: _resolve_relative(item, docs) for key, item in value.items()}
    return value


def _page_url(path: str) -> str:
    """The HTML file a Markdown page is published as (directory URLs)."""
    stem = path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return f"{stem}.html"
    return f"{stem}/index.html"


class _Relative:
    """MkDocs' ``!relative`` tag, kept until the docs folder is known."""

    def __init__(self, path: str) -> None:
        self.path = path


class _ConfigLoader(yaml.SafeLoader):
    """Reads ``mkdocs.yml`` as MkDocs does, keeping what Zensical must be told differently."""


def _construct_relative(loader: yaml.SafeLoader, node: yaml.Node) -> _Relative:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    if value not in ("$docs_dir", ""):
        raise ConfigError(
            f"mkdocs.yml 中的 !relative {value}：Zensical 构建只支持 !relative $docs_dir"
        )
    return _Relative(str(value))


def _construct_apply(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    # Zensical takes a function for the toc's slugify as {object, kwds} and builds it itself.
    fields = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"object": suffix, "kwds": dict(fields.get("kwds") or {})}


_ConfigLoader.add_constructor("!relative", _construct_relative)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", _construct_apply)


def _load_config(path: Path) -> dict[str, Any]:
    """The project's ``mkdocs.yml`` as data.

    Raises:
        ConfigError: it is not valid YAML or uses a tag gongkai does not know.
    """
    try:
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} 无法转换为 Zensical 配置：{exc}") from exc
    if not isinstance(config, dict) or "site_name" not in config:
        raise ConfigError(f"{path} 不是有效的 mkdocs.yml（缺少 site_name）")
    return config
