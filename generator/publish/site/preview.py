"""Preview a built site over HTTP, as a web server would serve it (``gongkai serve``,
``make demo``)."""

from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path
from typing import ClassVar

from generator.core.errors import ConfigError


def create_server(
    site_dir: Path, host: str = "127.0.0.1", port: int = 8000
) -> http.server.ThreadingHTTPServer:
    """An HTTP server for a built site; port 0 picks a free port.

    Raises:
        ConfigError: ``site_dir`` is not a folder, or the port is taken.
    """
    if not site_dir.is_dir():
        raise ConfigError(f"网站目录 {site_dir} 不存在，请先运行 gongkai build")
    handler = functools.partial(_SiteHandler, directory=str(site_dir))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ConfigError(
            f"无法在 {host}:{port} 上启动预览（{exc.strerror}），请换一个端口"
        ) from exc


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site as a web server would: a missing page gets the site's own Chinese
    ``404.html`` (status 404), and any other error a short Chinese page, not Python's English one."""

    error_content_type = "text/html; charset=utf-8"
    # The reason phrase on the status line stays ASCII (HTTP sends it as Latin-1); the page is Chinese.
    error_message_format = (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>错误 %(code)d</title>'
        "</head>\n<body><h1>错误 %(code)d</h1><p>%(explain)s</p></body></html>\n"
    )
    EXPLAIN: ClassVar[dict[int, str]] = {
        400: "请求无效，请检查地址是否完整。",
        403: "该地址不对外开放。",
        404: "页面不存在，请检查地址，或返回首页查找。",
        405: "本站只提供浏览和下载，不支持这种请求方法。",
        501: "本站只提供浏览和下载，不支持这种请求方法。",
    }

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and self.command != "HEAD" and page.is_file():
            body = page.read_bytes()
            self.send_response(404, "Not Found")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, self.EXPLAIN.get(code, "请求出错，请稍后再试。"))

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """A folder without ``index.html`` is a missing page, not a file listing (in English)."""
        self.send_error(404)


def serve_site(site_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a built site over HTTP until Ctrl+C.

    Args:
        site_dir: A folder written by :func:`build_site`.
        host: Address to bind; keep the loopback default unless you mean to share it.
        port: TCP port.

    Raises:
        ConfigError: ``site_dir`` is not a folder, or the port is taken.
    """
    with create_server(site_dir, host, port) as server:
        print(f"正在预览：http://{host}:{port}/ （按 Ctrl+C 停止）", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
