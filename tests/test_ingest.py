"""Reading files whose name lies about their format."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.ingest.exports import read_export

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


def test_data_centre_export_with_separate_credit_code_and_regno_columns(tmp_path: Path) -> None:
    # Real layout (platform data centre): UNISCID and REGNO side by side, database column
    # names as headers; a firm registered before 2015 has only its 15-digit 注册号.
    from helpers import valid_code, write_csv
    from stdnum.iso7064 import mod_11_10

    from generator.validate.folder import validate_folder

    regno = "33010600001234" + mod_11_10.calc_check_digit("33010600001234")
    header = ["ENTNAME", "UNISCID", "REGNO", "抽查任务编号", "INSAUTH_CN", "INSDATE", "INSRES_CN"]
    write_csv(tmp_path / "企业抽查信息.csv", header, [
        ["甲有限公司", valid_code(1), "", "330106202405011000", "西湖局", "2024-05-06 00:00:00", "未发现问题"],
        ["乙公司", "", regno, "330106202405011000", "西湖局", "2024-05-07 00:00:00", "不予配合情节严重"],
        ["丙公司", valid_code(3), "330106000099999", "330106202405011000", "西湖局", "2024-05-08", "注销"],
        ["丁公司", "", "", "330106202405011000", "西湖局", "2024-05-08", "注销"],
    ])
    report = validate_folder(tmp_path)
    summary = report.to_dict()
    results = {r["entity_name"]: r for r in report.public_tables()["results"]}
    assert (summary["rows_published"], summary["rows_quarantined"]) == (3, 1)
    assert (results["乙公司"]["uscc"], results["乙公司"]["code_type"]) == (regno, "注册号")
    assert results["丙公司"]["uscc"] == valid_code(3)  # the credit code wins over the old number
    assert results["甲有限公司"]["authority"] == "西湖局"
    assert results["乙公司"]["outcome"] == "不配合检查情节严重"
    codes = {(i["code"], i.get("row")) for i in summary["errors"]}
    assert codes == {("missing-value", 5)}
    warnings = [w for w in summary["warnings"] if w["code"] in ("duplicate-column", "unknown-column")]
    assert [(w["code"], w["column"]) for w in warnings] == [("duplicate-column", "REGNO")]
