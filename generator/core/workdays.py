"""Working days by the Chinese calendar: public holidays and 调休 (swapped working weekends).

Deadlines in the regulations are in working days (“20个工作日内”). Which days are working
days is set each year by the State Council's notice on public holidays. The
``chinese-calendar`` package carries those notices for 2004–2026 (see
:data:`PACKAGE_YEARS`); for any other year the operator transcribes the notice into a
holiday file in the data folder, ``DATA_DIR/holidays/<year>.yml``::

    # 国务院办公厅关于2027年部分节假日安排的通知
    year: 2027
    source: 国办发明电〔2026〕XX号
    holidays:             # 放假的日子（含其中的周末），单日或“起 ~ 止”
      - 2027-01-01
      - 2027-02-06 ~ 2027-02-12
    workdays:             # 调休上班的周六、周日
      - 2027-02-14

A holiday file wins over the package for its year (an operator may correct a year).
Any other day is a working day from Monday to Friday and a rest day on weekends. A year
with neither raises :class:`MissingCalendar` (a :class:`~generator.core.errors.ConfigError`)
naming the missing file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import ConfigError

HOLIDAY_FOLDER = "holidays"
"""Folder of holiday files inside the data folder."""
PACKAGE_YEARS = (2004, 2026)
"""First and last year that the pinned ``chinese-calendar`` covers."""

_RANGE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})\s*(?:~|～|至|–|—)\s*(\d{4}-\d{2}-\d{2})\s*")


class MissingCalendar(ConfigError):
    """Neither ``chinese-calendar`` nor a holiday file covers a year."""

    def __init__(self, message: str, year: int, path: Path) -> None:
        super().__init__(message)
        self.year = year
        self.path = path


@dataclass(frozen=True)
class YearCalendar:
    """One year's deviations from the Monday–Friday week."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str

    def is_workday(self, day: dt.date) -> bool:
        """Whether people work on ``day``."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass
class WorkCalendar:
    """Working days for any year the package or a holiday file covers.

    Args:
        holiday_dir: ``DATA_DIR/holidays``; may be missing.
    """

    holiday_dir: Path | None = None
    _years: dict[int, YearCalendar] = field(default_factory=dict, repr=False)
    _answers: dict[tuple[str, dt.date, Any], Any] = field(default_factory=dict, repr=False)
    """Answers already worked out: a province asks the same few thousand questions 10⁵ times."""

    def year(self, year: int) -> YearCalendar:
        """The calendar of ``year``.

        Raises:
            MissingCalendar: neither a holiday file nor the package covers ``year``.
        """
        if year not in self._years:
            self._years[year] = self._load(year)
        return self._years[year]

    def covers(self, year: int) -> bool:
        """Whether ``year`` has a calendar (a holiday file or the package); raises nothing."""
        try:
            self.year(year)
        except MissingCalendar:
            return False
        return True

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day."""
        return self.year(day.year).is_workday(day)

    def add_workdays(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself not counted).

        >>> WorkCalendar().add_workdays(dt.date(2024, 9, 27), 3)  # 调休 Sunday 9-29, National Day
        datetime.date(2024, 10, 8)
        """
        key = ("add", day, count)
        if key not in self._answers:
            self._answers[key] = self._add_workdays(day, count)
        return self._answers[key]

    def _add_workdays(self, day: dt.date, count: int) -> dt.date:
        current = day
        remaining = count
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days ``d`` with ``start < d <= end`` (0 when ``end <= start``)."""
        key = ("between", start, end)
        if key not in self._answers:
            self._answers[key] = self._workdays_between(start, end)
        return self._answers[key]

    def _workdays_between(self, start: dt.date, end: dt.date) -> int:
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def within(self, start: dt.date, end: dt.date, limit: int) -> bool:
        """Whether ``end`` falls within ``limit`` working days after ``start``."""
        return end <= self.add_workdays(start, limit)

    def _load(self, year: int) -> YearCalendar:
        path = holiday_file(self.holiday_dir, year) if self.holiday_dir else None
        if path is not None and path.is_file():
            return read_holiday_file(path, year)
        if PACKAGE_YEARS[0] <= year <= PACKAGE_YEARS[1]:
            return _package_year(year)
        where = path if path is not None else Path("DATA_DIR") / HOLIDAY_FOLDER / f"{year}.yml"
        raise MissingCalendar(
            f"缺少 {year} 年的节假日安排：chinese-calendar 只包含 {PACKAGE_YEARS[0]}–"
            f"{PACKAGE_YEARS[1]} 年，数据目录中也没有节假日文件 {where}。"
            f"请按国务院办公厅关于 {year} 年部分节假日安排的通知填写该文件（格式见 README），"
            "再重新运行。",
            year,
            where,
        )


def holiday_file(holiday_dir: Path, year: int) -> Path:
    """Where the holiday file of ``year`` is expected."""
    return holiday_dir / f"{year}.yml"


def read_holiday_file(path: Path, year: int) -> YearCalendar:
    """Read one holiday file (format in the module docstring).

    Raises:
        ConfigError: the file is not valid, or is for another year.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        # PyYAML raises ValueError for date-like text that is no date (2027-13-01).
        raise ConfigError(f"无法读取节假日文件 {path}，其中有不是日期的值：{exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"节假日文件 {path} 应为键值对（year、holidays、workdays）")
    unknown = sorted(set(raw) - {"year", "source", "holidays", "workdays"})
    if unknown:
        raise ConfigError(f"节假日文件 {path} 有无法识别的键：{'、'.join(map(str, unknown))}")
    if raw.get("year") != year:
        raise ConfigError(f"节假日文件 {path} 中 year 应为 {year}，而不是 {raw.get('year')!r}")
    holidays = _days(path, raw.get("holidays"), "holidays", year)
    workdays = _days(path, raw.get("workdays"), "workdays", year)
    both = holidays & workdays
    if both:
        first = min(both).isoformat()
        raise ConfigError(f"节假日文件 {path} 中 {first} 既是放假日又是调休上班日")
    weekday_workdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekday_workdays:
        raise ConfigError(
            f"节假日文件 {path} 的 workdays 只列调休上班的周末；"
            f"{weekday_workdays[0].isoformat()} 是工作日，请删去"
        )
    return YearCalendar(
        year, frozenset(holidays), frozenset(workdays), str(raw.get("source") or path.name)
    )


def _days(path: Path, value: object, key: str, year: int) -> set[dt.date]:
    if value is None:
        return set()
    if not isinstance(value, list):
        raise ConfigError(f"节假日文件 {path} 中 {key} 应为日期列表")
    days: set[dt.date] = set()
    for entry in value:
        if isinstance(entry, dt.date):
            first = last = entry
        else:
            text = str(entry)
            match = _RANGE.fullmatch(text)
            try:
                if match:
                    first, last = (dt.date.fromisoformat(g) for g in match.groups())
                else:
                    first = last = dt.date.fromisoformat(text.strip())
            except ValueError as exc:
                raise ConfigError(
                    f"节假日文件 {path} 中 {key} 的 {text!r} 不是日期（应为 2027-01-01 或 "
                    "2027-02-06 ~ 2027-02-12）"
                ) from exc
        if first > last or first.year != year or last.year != year:
            raise ConfigError(f"节假日文件 {path} 中 {key} 的 {entry!r} 不在 {year} 年内或起止颠倒")
        while first <= last:
            days.add(first)
            first += dt.timedelta(days=1)
    return days


@functools.cache
def _package_year(year: int) -> YearCalendar:
    """One year from ``chinese-calendar``: its holidays and its working weekends."""
    import chinese_calendar

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    holidays = {d for d in chinese_calendar.get_holidays(start, end, include_weekends=False)}
    workdays = {
        d
        for d in chinese_calendar.get_workdays(start, end, include_weekends=True)
        if d.weekday() >= 5
    }
    return YearCalendar(year, frozenset(holidays), frozenset(workdays), "chinese-calendar")


@functools.lru_cache(maxsize=8)
def load_calendar(data_dir: Path | None) -> WorkCalendar:
    """The working-day calendar of a data folder (its ``holidays/`` files and the package)."""
    return WorkCalendar(data_dir / HOLIDAY_FOLDER if data_dir is not None else None)
