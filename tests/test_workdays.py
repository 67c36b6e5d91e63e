"""Working days: chinese-calendar for 2004–2026, holiday files for other years."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.core.errors import ConfigError
from generator.core.workdays import WorkCalendar, load_calendar

D = dt.date


def test_national_day_and_its_swapped_weekends() -> None:
    calendar = WorkCalendar()
    # 2024: Sunday 29 September and Saturday 12 October were working days (调休),
    # 1–7 October the National Day holiday.
    assert calendar.is_workday(D(2024, 9, 29)) and calendar.is_workday(D(2024, 10, 12))
    assert not any(calendar.is_workday(D(2024, 10, d)) for d in range(1, 8))
    assert not calendar.is_workday(D(2024, 9, 28))  # an ordinary Saturday
    # Friday 27 September + 3 working days: Sun 29, Mon 30, then Tue 8 October.
    assert calendar.add_workdays(D(2024, 9, 27), 3) == D(2024, 10, 8)
    # By hand: 9-29, 9-30, 10-8, 10-9, 10-10, 10-11, 10-12 (Saturday, worked).
    assert calendar.workdays_between(D(2024, 9, 27), D(2024, 10, 12)) == 7
    # 20 working days after Friday 20 September 2024: 23–27 Sep (5), Sun 29 (6), 30 (7),
    # 8–11 Oct (11), Sat 12 (12), 14–18 (17), 21, 22, 23 (20).
    assert calendar.add_workdays(D(2024, 9, 20), 20) == D(2024, 10, 23)
    assert calendar.within(D(2024, 9, 20), D(2024, 10, 23), 20)
    assert not calendar.within(D(2024, 9, 20), D(2024, 10, 24), 20)
    assert calendar.workdays_between(D(2024, 10, 5), D(2024, 10, 1)) == 0


def _holiday_file(folder: Path, year: int, text: str) -> Path:
    path = folder / "holidays" / f"{year}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return folder


def test_later_years_come_from_the_holiday_file(tmp_path: Path) -> None:
    data = _holiday_file(
        tmp_path,
        2027,
        "year: 2027\nsource: 示例通知\nholidays:\n  - 2027-01-01\n  - 2027-10-01 ~ 2027-10-07\n"
        "workdays:\n  - 2027-09-26\n  - 2027-10-09\n",
    )
    calendar = WorkCalendar(data / "holidays")
    assert not calendar.is_workday(D(2027, 1, 1))  # a Friday, made a holiday
    assert calendar.is_workday(D(2027, 9, 26))  # a Sunday, made a working day
    assert not calendar.is_workday(D(2027, 10, 4))
    # Thursday 30 Sep 2027 + 3: Fri 8 Oct, Sat 9 Oct (worked), Mon 11 Oct.
    assert calendar.add_workdays(D(2027, 9, 30), 3) == D(2027, 10, 11)
    assert calendar.workdays_between(D(2027, 9, 30), D(2027, 10, 9)) == 2
    assert calendar.year(2027).source == "示例通知"


def test_a_year_with_no_calendar_names_the_missing_file(tmp_path: Path) -> None:
    calendar = load_calendar(tmp_path)
    with pytest.raises(ConfigError) as caught:
        calendar.add_workdays(D(2026, 12, 20), 20)  # runs into 2027
    message = caught.value.message
    assert "2027" in message and str(tmp_path / "holidays" / "2027.yml") in message
    assert "国务院办公厅" in message and "缺少" in message
    with pytest.raises(ConfigError, match="2003"):
        WorkCalendar().is_workday(D(2003, 6, 2))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("year: 2026\nholidays: [2027-01-01]\n", "year 应为 2027"),
        ("year: 2027\nholidays: [2027-13-01]\n", "不是日期"),
        ("year: 2027\nworkdays: [2027-01-04]\n", "是工作日"),
        (
            "year: 2027\nholidays: [2027-02-01]\nworkdays: [2027-02-01]\n",
            "既是放假日又是调休上班日",
        ),
        ("year: 2027\nholiday: []\n", "无法识别的键"),
        ("year: 2027\nholidays: [2026-12-31]\n", "不在 2027 年内"),
    ],
)
def test_bad_holiday_files_are_refused_with_the_reason(
    tmp_path: Path, text: str, fragment: str
) -> None:
    data = _holiday_file(tmp_path, 2027, text)
    with pytest.raises(ConfigError, match=fragment):
        WorkCalendar(data / "holidays").is_workday(D(2027, 3, 1))


def test_a_holiday_file_overrides_the_package_for_its_year(tmp_path: Path) -> None:
    data = _holiday_file(tmp_path, 2024, "year: 2024\nholidays: [2024-03-04]\n")
    assert WorkCalendar().is_workday(D(2024, 3, 4))
    overridden = WorkCalendar(data / "holidays")
    assert not overridden.is_workday(D(2024, 3, 4))
    # The file replaces the package's year whole: 1 October is only a holiday if listed.
    assert overridden.is_workday(D(2024, 10, 1))
