"""Digests of what outputs are made from: equal values give one digest in every process,
different values another."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from dataclasses import dataclass

from generator.core.fingerprint import code_digest, value_digest


@dataclass(frozen=True)
class Entry:
    title: str
    published: dt.date


def another(text: str) -> str:
    """An equal string that is another object."""
    return text.encode().decode()


def test_equal_values_give_one_digest_whatever_objects_they_share():
    name, code = "东城永昌餐饮有限公司", "91110000600037341L"
    shared = {"names": [name, name], "results": [{"uscc": code}] * 2}
    apart = {"names": [name, another(name)], "results": [{"uscc": code}, {"uscc": another(code)}]}
    assert shared == apart and another(name) is not name
    assert value_digest(shared) == value_digest(apart) == value_digest(copy.deepcopy(shared))
    assert value_digest(shared) == value_digest(pickle.loads(pickle.dumps(shared)))


def test_any_difference_gives_another_digest():
    entry = Entry("抽查结果公示", dt.date(2024, 6, 13))
    digests = {
        value_digest(entry),
        value_digest(Entry("抽查结果公示", dt.date(2024, 6, 14))),
        value_digest(Entry("抽查结果公示 ", dt.date(2024, 6, 13))),
        value_digest({"a": 1, "b": None}),
        value_digest({"a": 1, "b": ""}),
        value_digest({"a": 1}),
        value_digest(["a", 1]),
        value_digest(["a", "1"]),
        value_digest(("a", 1)),
    }
    assert len(digests) == 9


def test_the_code_digest_follows_the_libraries_named():
    assert code_digest() == code_digest()
    assert code_digest("jinja2") != code_digest("feedgen")
