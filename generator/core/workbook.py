"""Byte-identical XLSX files: openpyxl workbooks saved with fixed properties and timestamps."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

XLSX_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every member of a workbook's zip: the earliest zip can store."""


def save_workbook(book: Any, path: Path) -> None:
    """Save a workbook with fixed document properties and zip member timestamps."""
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import tostring

    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stamps "modified" with the clock here
    epoch = dt.datetime(*XLSX_EPOCH)
    properties = DocumentProperties(creator="gongkai", created=epoch, modified=epoch)
    core = tostring(properties.to_tree())
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = core if info.filename == "docProps/core.xml" else source.read(info)
            member = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, data)
