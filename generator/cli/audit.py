"""``gongkai audit``: scan a built or deployed site for what must never be published."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click

from generator.cli import clickzh

clickzh.install()  # before the command is declared: click.Path names its noun when created

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "mkdocs.yml"


@click.command(name="audit")
@click.argument("site_dir", type=click.Path(file_okay=False, path_type=Path), metavar="SITE_DIR")
@click.option(
    "--allow",
    "allow",
    multiple=True,
    metavar="号码",
    help=(
        "允许出现的号码（发布单位公开的联系电话等），可多次使用；mkdocs.yml 中 extra.contact 的号码"
        "自动允许。A number that may appear (the publisher's public contact); repeatable. The "
        "numbers of extra.contact in mkdocs.yml are allowed anyway."
    ),
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=(
        "生成该网站所用的 mkdocs.yml（默认：本项目的）：从中读取联系电话、site_url 和主题模板。"
        "The mkdocs.yml the site was built with (default: the project's): its contact, "
        "site_url and theme templates."
    ),
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="显示进度条（默认：终端中显示）。Show a progress bar.",
)
def audit_command(
    site_dir: Path, allow: tuple[str, ...], config_file: Path | None, progress: bool | None
) -> None:
    """检查已生成或已部署的网站中不应公开的内容。Audit a built or deployed site.

    逐个读取网站目录中的全部文件（HTML、XML、订阅源、JSON、CSV、CSS、JavaScript、文本，
    Pagefind 的压缩索引，XLSX 的各个单元格和公式，SQLite 和 Parquet 的文本列），查找：

    \b
    - 个人信息：身份证号（校验位正确）、手机号、固定电话；网站自己的编号和代码
      （data/*.csv 的编号列）以及允许的号码除外；
    - 公式单元格：XLSX 中的公式，CSV 中以 = + - @ 开头、会被电子表格当作公式的单元格（负数除外）；
    - 未转义的标记：主题和网站模板以外的脚本、on… 事件属性、javascript: 链接、iframe/object/embed；
    - 外部资源：从其他网站加载的脚本、样式、图片、框架和 CSS url()/@import（指向其他网站的普通
      链接 <a href> 不算）。

    Every file is read by content: personal data (ID numbers with a valid check character,
    mobile and landline numbers; the site's own ids and the allowed numbers aside), formula
    cells, script markup other than the templates', event handlers, javascript: links, frames,
    and resources loaded from other sites. Findings are printed masked.

    \b
    示例 / Examples:
      gongkai audit site/
      gongkai audit /srv/www/gongkai --allow 0351-2345678

    \b
    退出码 / Exit codes:
      0  未发现问题 / clean
      1  发现问题 / findings
      2  无法运行（目录不存在等）/ could not run
    """
    from generator.publish.site.audit import audit_site

    allowed, hosts, dirs = _from_config(config_file)
    show_progress = sys.stderr.isatty() if progress is None else progress
    start = time.perf_counter()
    audit = audit_site(
        site_dir,
        allow=(*allowed, *allow),
        own_hosts=hosts,
        template_dirs=dirs,
        progress=show_progress,
    )
    seconds = time.perf_counter() - start
    for finding in audit.findings:
        where = f" {finding.location}" if finding.location else ""
        click.echo(f"{finding.path}{where}：[{finding.kind}] {finding.excerpt}")
    skipped = (
        f"（其中 {len(audit.skipped)} 个为图片等二进制文件，无文字可查）" if audit.skipped else ""
    )
    scanned = f"检查了 {audit.files} 个文件{skipped}，用时 {seconds:.1f} 秒"
    if audit.findings:
        counts = "，".join(f"{kind} {n} 处" for kind, n in audit.counts().items())
        click.echo(f"\n{scanned}：发现 {len(audit.findings)} 处问题（{counts}）。", err=True)
        sys.exit(1)
    click.echo(f"{scanned}：未发现问题。", err=True)


def _from_config(config_file: Path | None) -> tuple[list[str], list[str], list[Path]]:
    """The allowed contact, the site's own host and the template folders of a ``mkdocs.yml``."""
    config_file = config_file or (PROJECT_CONFIG if PROJECT_CONFIG.is_file() else None)
    if config_file is None:
        return [], [], []
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    contact = config.extra.get("contact")
    host = urlsplit(config.site_url).hostname if config.site_url else None
    return (
        [str(contact)] if contact else [],
        [host] if host else [],
        [Path(d) for d in config.theme.dirs],
    )
