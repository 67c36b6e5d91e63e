"""The schemas are the single source of truth: check they are complete and consistent."""

from __future__ import annotations

import re

import pytest
from frictionless import Package, Schema

from generator.core.schemas import (
    KINDS,
    PUBLICITY_LEVELS,
    SCHEMA_DIR,
    load_outcomes,
    load_schemas,
    match_outcome,
    normalise_header,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_a_valid_table_schema(kind: str) -> None:
    schema = Schema.from_descriptor(str(SCHEMA_DIR / f"{kind}.json"))
    assert schema.field_names
    assert schema.primary_key


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_has_a_chinese_title_description_and_publicity(kind: str) -> None:
    for spec in load_schemas()[kind].fields:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.name), spec.name
        assert CJK.search(spec.title), spec.name
        assert CJK.search(spec.descriptor["description"]), spec.name
        assert spec.publicity in PUBLICITY_LEVELS


@pytest.mark.parametrize("kind", KINDS)
def test_no_header_names_two_fields_of_one_kind(kind: str) -> None:
    owners: dict[str, str] = {}
    for spec in load_schemas()[kind].fields:
        for text in {normalise_header(t) for t in (spec.title, *spec.synonyms)}:
            assert owners.setdefault(text, spec.name) == spec.name, text


def test_datapackage_lists_every_kind_with_its_schema() -> None:
    package = Package(str(SCHEMA_DIR / "datapackage.json"))
    assert sorted(r.name for r in package.resources) == sorted(KINDS)


def test_foreign_keys_point_at_existing_fields() -> None:
    schemas = load_schemas()
    for kind in schemas.values():
        for fk in kind.foreign_keys:
            target = schemas[fk["reference"]["resource"]]
            for name in fk["fields"] + fk["reference"]["fields"]:
                assert name in {f.name for f in kind.fields} | {f.name for f in target.fields}


def test_personal_fields_are_never_public() -> None:
    results = load_schemas()["results"]
    assert results.field("operator_id_number").publicity == "withheld"
    assert results.field("operator_phone").publicity == "withheld"
    assert results.field("operator_name").publicity == "masked"
    assert results.field("risk_class").publicity == "internal"
    assert load_schemas()["draws"].field("risk_class").publicity == "internal"


def test_outcome_enum_equals_the_vocabulary() -> None:
    canonical = {o.outcome for o in load_outcomes().values()}
    assert set(load_schemas()["results"].field("outcome").enum) == canonical


@pytest.mark.parametrize(
    ("wording", "code"),
    [
        ("未发现问题", "01"),
        ("正常（符合信息公示相关规定）", "01"),
        ("正常(符合信息公示相关规定)", "01"),
        ("发现问题已责令改正", "07"),
        ("发现问题经责令已改正", "07"),
        ("公示信息隐瞒真实情况弄虚作假", "03"),
        ("公示信息隐瞒真实情况、弄虚作假", "03"),
        ("不配合检查情节严重", "05"),
        ("不予配合情节严重", "05"),
        ("□发现问题待后续处理", "08"),
        ("通过登记的住所(经营场所)无法联系", "04"),
    ],
)
def test_result_wording_variants_map_to_one_code(wording: str, code: str) -> None:
    outcome = match_outcome(wording)
    assert outcome is not None and outcome.code == code


def test_unknown_wording_maps_to_nothing() -> None:
    assert match_outcome("情况良好") is None


@pytest.mark.parametrize(
    ("header", "kind", "field"),
    [
        ("统一社会信用代码（注册号）", "results", "uscc"),
        ("统一社会信用代码/注册号", "results", "uscc"),
        ("注册号/统一社会信用代码", "results", "uscc"),
        ("信用代码", "results", "uscc"),
        ("抽查\n类型", "results", "check_type"),
        ("检查 结果", "results", "outcome"),
        ("抽查检查结果", "results", "outcome"),
        ("检查实施机关", "results", "authority"),
        ("抽查单位", "results", "authority"),
        ("抽查市场主体名称", "results", "entity_name"),
        ("抽查完成日期", "results", "inspected_on"),
        ("抽查事项(56项)", "items", "name"),
        ("抽查对象\n范围", "tasks", "scope"),
        ("任务 名称", "tasks", "name"),
        ("身份证号码", "results", "operator_id_number"),
    ],
)
def test_real_header_variants_are_matched(header: str, kind: str, field: str) -> None:
    assert load_schemas()[kind].match_header(header) == field
