"""MkDocs hook: publish generated pages at the site root.

``gongkai build`` writes data-derived pages into ``site_src/generated/`` so that they stay
apart from the hand-written ones in git; readers should not see that split in addresses, so
``generated/quality.md`` is published as ``quality/`` rather than ``generated/quality/``.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

PREFIX = "generated/"


def on_files(files: Files, config: object) -> Files:
    """Drop the ``generated/`` prefix from generated pages' addresses.

    Raises:
        PluginError: A hand-written page already has the address.
    """
    taken = {f.dest_uri: f.src_uri for f in files if not f.src_uri.startswith(PREFIX)}
    for file in files:
        if file.src_uri.startswith(PREFIX) and file.is_documentation_page():
            dest = file.dest_uri.removeprefix(PREFIX)
            if dest in taken:
                raise PluginError(f"生成的页面 {file.src_uri} 与手写页面 {taken[dest]} 地址冲突")
            file.dest_uri = dest
    return files
