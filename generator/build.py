"""Build the public site from a data folder, and serve a built site for a look.

``build_site`` validates the exports, writes the generated pages into ``site_src/generated/``,
runs MkDocs into a temporary folder next to the output folder and then swaps that folder into
place, so readers never see a half-built site. The build is a pure function of its inputs:
the only date in the output comes from the data (or from ``SOURCE_DATE_EPOCH``), and two
builds of the same inputs give the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.core.console import status, timed
from generator.core.errors import BuildAbort, ConfigError
from generator.core.in_place import apply_in_place, site_locked
from generator.core.interrupts import interrupts_deferred, stop_if_interrupted
from generator.core.outputs import Outputs
from generator.core.settings import load_settings
from generator.core.shards import local_workers
from generator.core.swap import Staging, recover_output, staging_area, swap_into_place
from generator.core.workdays import load_calendar
from generator.draws.commitment import to_stderr
from generator.draws.published import attach_draws, load_draws, publish_draws
from generator.model.entities import Model, build_model
from generator.model.lifecycle import attach_lifecycle
from generator.model.releases import (
    ReleaseNotes,
    annotate_model,
    check_deletions,
    load_previous,
    prepare_notes,
)
from generator.model.tables import DATA_FOLDER, published_tables
from generator.model.updates import renumbered
from generator.publish.data.datasets import write_datasets
from generator.publish.data.downloads import Release, open_data_settings
from generator.publish.data.feeds import write_feeds
from generator.publish.site.charts import inject_charts
from generator.publish.site.manifest import (
    MANIFEST_FILE,
    file_hashes,
    keep_unchanged,
    read_inputs,
    read_manifest,
    rendered_summary,
    unlisted_files,
    write_manifest,
)
from generator.publish.site.markdown import GENERATED_DIR, OPEN_DATA_HTML
from generator.publish.site.open_data import render_open_data_json_ld
from generator.publish.site.pages import write_generated_pages
from generator.publish.site.records import read_shell, write_records, write_shell_source
from generator.publish.site.search_beside import SearchBeside
from generator.publish.site.sitemap import write_sitemap
from generator.publish.site.statistics_downloads import members_table, statistics_table
from generator.publish.site.zensical_site import build_with_zensical
from generator.stats.compute import empty_statistics, statistics_for_folder
from generator.stats.figures import Statistics
from generator.validate.cache import ValidationCache, check_cache_dir
from generator.validate.corrections import write_corrections
from generator.validate.folder import validate_folder
from generator.validate.report import operator_notes, public_report

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_DIR / "mkdocs.yml"
REPORT_PATH = "data/quality_report.json"
"""Where the quality report is published, relative to the site folder."""
MAX_EPOCH = 253402300799
"""The last second of 9999-12-31: ``SOURCE_DATE_EPOCH`` beyond it is no date."""


NO_SITE_URL = (
    "提示：mkdocs.yml 未设置 site_url（网站的公开网址），sitemap.xml 和 RSS 订阅源要求完整网址，"
    "本次未生成（Atom 订阅源和其他内容不受影响）。部署前请设置 site_url。"
)
"""What a build without ``site_url`` leaves out, told to the operator."""


def build_site(
    data_dir: Path,
    out_dir: Path,
    *,
    progress: bool = False,
    config_file: Path | None = None,
    previous: Path | None = None,
    allow_mass_deletion: bool = False,
    corrections_file: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    changed_files: Path | None = None,
    engine: str = "mkdocs",
    cache_dir: Path | None = None,
    in_place: bool = False,
) -> dict[str, Any]:
    """Validate ``data_dir`` and publish the whole site into ``out_dir``.

    Args:
        data_dir: The folder of exports (``data/``).
        out_dir: The site folder to create or replace.
        progress: Show progress on stderr.
        config_file: The ``mkdocs.yml`` to use; the project's own by default.
        previous: The last published site (may be ``out_dir`` itself): its release history
            is carried forward and ``data/delta.json`` lists what changed since.
        allow_mass_deletion: Publish even when many of ``previous``'s records vanished
            without a declared 撤回 (:func:`generator.model.releases.check_deletions`).
        corrections_file: Also write the quarantined rows there for the operator
            (:func:`generator.validate.corrections.write_corrections`); never inside the site.
        workers: Local processes for the sharded stages (record pages, datasets); by
            default one for a county's data, up to four at city scale.
        scheduler: A Dask scheduler's address: run those shards on its cluster instead.
        changed_files: Write there the files that differ from ``previous``'s
            (:meth:`generator.publish.site.manifest.Changes.lines`); only with ``previous``.
        engine: What builds the editorial pages: ``mkdocs`` (MkDocs + Material) or
            ``zensical`` (:mod:`generator.publish.site.zensical_site`).
        cache_dir: Keep each export's validation there, so that unchanged files are not
            read again (:mod:`generator.validate.cache`; the command line's default is
            :func:`generator.validate.cache.default_cache_dir`); never inside the site.
            ``None``: no cache. The site's bytes are the same either way.
        in_place: ``previous`` is ``out_dir``: move only the files that changed into it
            (:mod:`generator.core.in_place`) instead of swapping in a whole new folder. The
            site's bytes are the same either way.

    Returns:
        The quality report as ``Report.to_dict()`` gives it, for the operator; the site
        publishes :func:`generator.validate.report.public_report` of it.

    Raises:
        BuildAbort: The row counts do not balance, or many published records vanished
            without a declared 撤回; nothing was published.
        ConfigError: ``out_dir`` is unsafe to replace, or ``previous`` is no gongkai site.
    """
    config_file = Path(config_file or CONFIG_FILE)
    source_date_epoch()  # before minutes of work, not after
    for site in {out_dir, previous or out_dir}:  # a build killed in its swap left one missing
        recover_output(site)
    _check_out_dir(out_dir, inputs=(data_dir, config_file.parent), inside=(data_dir,))
    if cache_dir is not None:
        check_cache_dir(cache_dir, out_dir)
    cache = ValidationCache(cache_dir) if cache_dir is not None else None
    if in_place:
        _check_in_place(out_dir, previous)
    # In place, the live site is held from reading it to applying to it: no other build
    # publishes into it meanwhile.
    with site_locked(out_dir) if in_place else contextlib.nullcontext():
        tables = published_tables()
        # Read before anything is written: the previous site may be the one being replaced.
        last = load_previous(previous, tables) if previous is not None else None
        with timed("读取与校验"):
            validated = validate_folder(data_dir, progress=progress, scheduler=scheduler, cache=cache)
        report = validated.to_dict()
        check_balance(report)
        for note in operator_notes(report):
            to_stderr(note)
        if changed_files is not None and changed_files.resolve().is_relative_to(out_dir.resolve()):
            raise ConfigError(f"变化文件列表 {changed_files} 不能写在网站目录中，请写到网站目录之外")
        if corrections_file is not None:
            if corrections_file.resolve().is_relative_to(out_dir.resolve()):
                raise ConfigError(f"更正表 {corrections_file} 不能写在网站目录中：它含有不予公开的原始数据")
            write_corrections(validated, data_dir, corrections_file)
        previous_hashes = read_manifest(previous) if previous is not None else None
        with staging_area(out_dir.absolute()) as area, contextlib.ExitStack() as beside:
            with timed("记录与统计"):
                model = build_model(validated.public_tables(), validated.data_as_of)
                draws = load_draws(data_dir)
                attach_draws(model, draws)
                attach_lifecycle(model, load_calendar(data_dir), validated.held_back, warn=to_stderr)
                model.objection = dict(load_settings(data_dir).objection)
                # The search index needs this much of the model only: from here on it is built
                # beside the statistics, the downloads and MkDocs (stopped if the build fails).
                search = beside.enter_context(
                    SearchBeside(model, area, previous, previous_hashes, in_place=in_place)
                )
                statistics = statistics_for_folder(validated, data_dir, draws, site_build=True)
                withdrawals, held_back = validated.withdrawals, validated.held_back
                # The model holds every published record now; the validated rows, a second copy
                # of each (half a gigabyte at a province), would only weigh on the later stages.
                del validated
                notes = prepare_notes(model, tables, last, withdrawals, held_back)
            check_deletions(notes, allow=allow_mass_deletion)
            if last is not None:
                for warning in renumbered(last.rows.get("plans", {}), model.tables.get("plans", [])):
                    to_stderr(warning)
            publish_site(
                public_report(report),
                out_dir,
                model=model,
                statistics=statistics,
                progress=progress,
                config_file=config_file,
                notes=notes,
                draws=draws,
                workers=workers,
                scheduler=scheduler,
                previous=previous,
                changed_files=changed_files,
                engine=engine,
                staged=(area, search, previous_hashes),
                in_place=in_place,
            )
    if cache is not None:
        cache.prune()
    return report


def check_balance(report: dict[str, Any]) -> None:
    """Check that every row read has exactly one fate, in total and per file.

    Raises:
        BuildAbort: rows in ≠ published + quarantined + withheld + refused somewhere.
    """
    for where, counts in [("全部文件", report)] + [(f["path"], f) for f in report["files"]]:
        fates = (counts["rows_published"] + counts["rows_quarantined"] + counts["rows_withheld"]
                 + counts.get("rows_refused", 0))  # fmt: skip
        if counts["rows_in"] != fates:
            raise BuildAbort(
                f"{where}：读入 {counts['rows_in']} 行，但公示 {counts['rows_published']} + "
                f"隔离 {counts['rows_quarantined']} + 不予公示 {counts['rows_withheld']} + "
                f"拒收 {counts.get('rows_refused', 0)} = {fates} 行，行数不平衡。"
                "这是 gongkai 的缺陷，网站未发布；请报告此问题。"
            )


def publish_site(
    report: dict[str, Any],
    out_dir: Path,
    *,
    model: Model | None = None,
    statistics: Statistics | None = None,
    progress: bool = False,
    config_file: Path | None = None,
    notes: ReleaseNotes | None = None,
    draws: list[dict[str, Any]] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    previous: Path | None = None,
    changed_files: Path | None = None,
    engine: str = "mkdocs",
    staged: tuple[Staging, SearchBeside, dict[str, str] | None] | None = None,
    in_place: bool = False,
) -> None:
    """Render the site for ``report`` and swap it into ``out_dir``.

    Args:
        report: The quality report as ``Report.to_dict()`` gives it.
        model: The published model (``build_model`` over the report's public tables);
            none gives a site without record pages.
        statistics: The figures (:func:`generator.stats.compute.statistics_for_folder`);
            none gives a 统计 page saying there are none.
        out_dir: The site folder to create or replace.
        progress: Show progress on stderr.
        config_file: The ``mkdocs.yml`` to use; the project's own by default.
        notes: The release's history and delta (:func:`generator.model.releases.prepare_notes`);
            by default a first release with nothing withdrawn.
        draws: Verifiable draws (``generator.draws.published.load_draws``) to publish under ``draws/``.
        workers: Local processes for record pages and datasets (by default from the size).
        scheduler: A Dask scheduler's address for those shards (:mod:`generator.core.shards`).
        previous: The last published site: each file whose bytes did not change is kept as
            it was there (:func:`generator.publish.site.manifest.keep_unchanged`), and what
            changed is told on stderr and written to ``changed_files`` if given.
        engine: ``mkdocs`` or ``zensical`` (see :func:`build_site`).
        staged: The staging area of ``out_dir`` that :func:`build_site` holds, the search
            index it started there, and ``previous``'s manifest; by default this call
            stages the site itself and starts the index here.
        in_place: ``previous`` is ``out_dir``: stage only what changed and apply it there
            (see :func:`build_site`).

    Raises:
        BuildAbort: MkDocs failed (in strict mode a warning is a failure).
        ConfigError: ``out_dir`` is unsafe to replace.
    """
    from mkdocs.config import load_config

    config_file = Path(config_file or CONFIG_FILE)
    # MkDocs reads a relative site_dir against mkdocs.yml's folder, not the working directory.
    out_dir = Path(out_dir).absolute()
    model = model or build_model({}, report.get("data_as_of"))
    notes = notes or prepare_notes(model, published_tables(), None, [])
    statistics = statistics or empty_statistics(report.get("data_as_of"))
    _check_out_dir(out_dir, inputs=(config_file.parent,), inside=())
    shards = {"workers": workers or _workers(model), "scheduler": scheduler}
    source_date_epoch()
    with contextlib.ExitStack() as stack:
        if staged is None:
            area = stack.enter_context(staging_area(out_dir))
            previous_hashes = read_manifest(previous) if previous is not None else None
            search = stack.enter_context(SearchBeside(model, area, previous, previous_hashes))
        else:
            area, search, previous_hashes = staged
        # Beside out_dir, on its file system, so the swap is a rename. MkDocs empties its site
        # folder when it starts, and the pages must show the downloads' sizes and hashes: so
        # the downloads are written apart first and moved in after MkDocs.
        staging, downloads = area.path("new"), area.path("data")
        staging.mkdir()
        config = load_config(str(config_file), site_dir=str(staging), strict=True)
        config.extra["data_as_of"] = report.get("data_as_of")
        with status("正在生成开放数据…", progress), timed("开放数据"):
            release = write_datasets(
                model,
                downloads,
                open_data_settings(
                    config.extra,
                    site_name=config.site_name,
                    site_url=config.site_url,
                    site_description=config.site_description,
                ),
                sources=[str(f["path"]) for f in report.get("files", []) if f.get("path")],
                notes=notes,
                derived=[statistics_table(statistics), members_table(statistics)],
                **shards,
            )
        annotate_model(model, notes.history)
        with (
            status("正在生成网站…", progress),
            timed("网站页面（Zensical）" if engine == "zensical" else "网站页面（MkDocs）"),
            _source_date_epoch(report.get("data_as_of")),
        ):
            generated = Path(config.docs_dir) / GENERATED_DIR
            # Builds share site_src/generated/: hold it from writing the pages to the end of
            # MkDocs, or a concurrent build of other data could swap pages under this one.
            with _exclusive_lock(generated / ".build.lock"):
                write_generated_pages(
                    report,
                    Path(config.docs_dir),
                    model=model,
                    release=release,
                    statistics=statistics,
                    host=_host(config.extra, release.settings.publisher),
                )
                write_shell_source(Path(config.docs_dir))
                if engine == "zensical":
                    build_with_zensical(config_file, Path(config.docs_dir), staging, config.extra)
                else:
                    _run_mkdocs(config)
        with timed("图表、下载与抽取"):
            inject_charts(staging)
            _move_downloads(downloads, staging / DATA_FOLDER)
            publish_draws(draws or [], staging)
            _add_json_ld(staging / OPEN_DATA_HTML, release)
        with status("正在生成记录页、订阅源和搜索索引…", progress):
            # Cut the shell page out first: the search index reads every editorial page, and
            # the shell is not one.
            shell = read_shell(staging, config.site_name)
            # The search index reads MkDocs' pages (the record pages come from the model): its
            # main index is made now, beside the record pages and the feeds.
            search.pages_ready()
            # Record pages and feeds are hashed as they are written, and each one the
            # previous site has with the same bytes is that file, taken over.
            previous_inputs = read_inputs(previous) if previous is not None else None
            outputs = Outputs(
                staging, previous, previous_hashes, previous_inputs, in_place=in_place
            )
            with timed("记录页"):
                write_records(model, outputs, shell, **shards)
            with timed("订阅源"):
                write_feeds(
                    model, outputs, site_url=config.site_url, site_name=config.site_name, **shards
                )
            with _source_date_epoch(report.get("data_as_of")), timed("站点地图"):
                write_sitemap(staging, model, config.site_url)
            # The site is hashed while the search index may still be finishing beside: its
            # bundle, hashed there, is not in the site until finish() moves it in.
            with timed("站点校验和"):
                _write_json(staging / REPORT_PATH, report)
                # Hashed as they were written: record pages, feeds, downloads.
                downloads = {f"{DATA_FOLDER}/{d.path}": d.sha256 for d in release.downloads}
                hashes = file_hashes(staging, known={**outputs.written.hashes, **downloads})
                # Taken over in place, a file is not in the staging folder: its noted hash is.
                hashes.update({p: outputs.written.hashes[p] for p in outputs.written.reused})
            figures = search.finish()  # untimed: the index's process timed itself
            outputs.written.reused |= search.kept  # in place, not in the staging folder
            if previous is not None and figures["shards"] > 1:
                to_stderr(
                    f"搜索索引：{figures['shards'] - 1} 个分片中 {figures['reused']} 个与上一版相同，"
                    "直接沿用；其余分片和主索引重新生成。"
                )
        if not config.site_url:
            to_stderr(NO_SITE_URL)
        with timed("比对上一版"):
            hashes = dict(sorted({**hashes, **search.hashes}.items()))
            write_manifest(staging, hashes, outputs.written.inputs)
            if previous is not None:
                to_stderr(rendered_summary(outputs.written))
                changes = keep_unchanged(outputs, hashes)
                if in_place:  # files no build made go, as they would with a new folder
                    strays = unlisted_files(out_dir, hashes.keys() | outputs.previous_hashes.keys())
                    changes.removed.extend(strays)
                    if strays:
                        to_stderr(f"网站目录中有 {len(strays)} 个文件不是生成的（如 {strays[0]}），"
                                  "与整体替换时一样删除。")  # fmt: skip
                to_stderr(changes.summary())
                if changed_files is not None:
                    changed_files.write_text(changes.lines(), encoding="utf-8")
        stop_if_interrupted()  # Ctrl+C, even one a finalizer swallowed, publishes nothing
        if in_place:
            with timed("写入变化的文件"), interrupts_deferred():
                put = sorted(changes.added + changes.changed, key=lambda p: p == MANIFEST_FILE)
                apply_in_place(staging, out_dir, put, changes.removed, undo=area.path("undo"),
                               journal=area.path("journal"))  # fmt: skip
            return
        with timed("替换网站目录"), interrupts_deferred():  # swapped in, it is published: finish
            swap_into_place(staging, out_dir, area.path("old"))


def _host(extra: dict[str, Any], publisher: str) -> dict[str, str]:
    """主办单位 and 联系方式 for the 关于 page, from ``mkdocs.yml``'s ``extra``."""
    return {"publisher": publisher, "contact": str(extra.get("contact") or "")}


# Helpers


def _workers(model: Model) -> int:
    """Local processes for the sharded stages: one for a county's few hundred firms (forking
    costs more than it saves there), up to four at city scale."""
    return 1 if len(model.enterprises) < 2000 else local_workers()


def _run_mkdocs(config: Any) -> None:
    """Run a full MkDocs build with the plugin events its own CLI fires.

    Raises:
        BuildAbort: MkDocs failed.
    """
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    except MkDocsException as exc:
        raise BuildAbort(f"网站生成失败，未发布：{exc}") from exc
    finally:
        config.plugins.on_shutdown()


def _move_downloads(source: Path, target: Path) -> None:
    """Move the downloads into the built site's data folder.

    Raises:
        BuildAbort: a page of the site already has a download's address.
    """
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if (target / path.name).exists():
            raise BuildAbort(
                f"网站中已有 {DATA_FOLDER}/{path.name}，与开放数据文件同名；网站未发布"
            )
        path.rename(target / path.name)


def _add_json_ld(page: Path, release: Release) -> None:
    """Put the 开放数据 page's JSON-LD into its ``<head>``.

    Not in the Markdown: the page's content must pass the allowlist, which has no script.
    """
    text = page.read_text(encoding="utf-8")
    at = text.find("</head>")
    if at < 0:
        raise BuildAbort(f"{page} 中没有 </head>，无法加入 JSON-LD；网站未发布")
    script = render_open_data_json_ld(release)
    page.write_text(f"{text[:at]}{script}\n{text[at:]}", encoding="utf-8")


def _check_in_place(out_dir: Path, previous: Path | None) -> None:
    """An in-place build applies to the site it compares with: ``previous`` must be ``out_dir``."""
    if previous is None or not out_dir.is_dir() or previous.resolve() != out_dir.resolve():
        raise ConfigError(
            "--in-place 需要 --previous 与 --out 是同一个已发布的网站目录：就地更新只把相对该目录变化的"
            "文件写入其中。首次发布或发布到新目录时请去掉 --in-place。"
        )


def _check_out_dir(out_dir: Path, *, inputs: tuple[Path, ...], inside: tuple[Path, ...]) -> None:
    """Refuse an output folder whose replacement would destroy inputs or unrelated files.

    Raises:
        ConfigError: ``out_dir`` is, or contains, one of ``inputs``; lies inside one of
            ``inside``; or is a non-empty folder that no earlier build wrote.
    """
    out = out_dir.resolve()
    for path in inputs:
        if path.resolve().is_relative_to(out):
            raise ConfigError(f"输出目录 {out_dir} 包含输入 {path}，会被覆盖；请换一个输出目录")
    for path in inside:
        if out.is_relative_to(path.resolve()):
            raise ConfigError(f"输出目录 {out_dir} 位于输入目录 {path} 之内；请换一个输出目录")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"输出路径 {out_dir} 是文件，不是目录")
    if out.is_dir() and any(out.iterdir()) and not (out / REPORT_PATH).is_file():
        raise ConfigError(
            f"输出目录 {out_dir} 不为空，且不是 gongkai 生成的网站；为防止误删，"
            "请换一个输出目录或先清空它"
        )


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as a number of seconds, or none when it is not set.

    Raises:
        ConfigError: it is set but empty, or not a whole number of seconds from 1970 to 9999.
    """
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) > MAX_EPOCH:
        raise ConfigError(
            f"环境变量 SOURCE_DATE_EPOCH 的值 {text!r} 无效：应为 1970-01-01 起的秒数（整数，如 "
            "1717200000）。请改正，或取消该变量（unset SOURCE_DATE_EPOCH，网站日期即取数据日期）后重新运行"
        )
    return int(text)


@contextlib.contextmanager
def _source_date_epoch(data_as_of: str | None) -> Iterator[None]:
    """Pin MkDocs' build date: ``SOURCE_DATE_EPOCH`` if set, else the data's own date.

    MkDocs stamps the sitemap and its gzip header with the build date; taking it from the
    data keeps the output a function of the inputs rather than of the wall clock.
    """
    if source_date_epoch() is not None:
        yield
        return
    day = dt.date.fromisoformat(data_as_of) if data_as_of else dt.date(1970, 1, 1)
    epoch = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (POSIX; no lock where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: concurrent builds of one project are not supported there
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
