"""Reading files whose name lies about their format."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.ingest import read_export

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def test_spreadsheetml_2003_saved_as_xlsx_is_read(tmp_path: Path) -> None:
    # Real quirk: the Zhejiang platform's check01.xlsx is Excel 2003 XML, with a space
    # before the extension and a database column name (RegOrgName) left in the header.
    source = EXPORTS / "check01 .xlsx"
    table = read_export(source, source.name)
    assert (table.format, table.kind, table.header_row) == ("xml", "targets", 2)
    row = table.rows[0]
    assert row.number == 3
    assert row.values["uscc"] == "913301007161035748"
    assert row.values["registration_authority"] == "杭州市市场监督管理局"
    assert row.values["jurisdiction"] == "朝晖工商所"


def test_xlsx_named_xls_is_sniffed_by_content(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["企业名称", "统一社会信用代码/注册号"])
    book.active.append(["甲公司", "91330000590594274X"])
    book.save(tmp_path / "x.xlsx")
    shutil.move(tmp_path / "x.xlsx", tmp_path / "randomentinfo.xls")
    table = read_export(tmp_path / "randomentinfo.xls", "randomentinfo.xls")
    assert (table.format, table.kind, len(table.rows)) == ("xlsx", "targets", 1)
