#!/usr/bin/env python3
"""Generate the synthetic 双随机、一公开 demo corpus in ``data/``.

Everything written here is fictional (虚构数据，仅供演示): one invented county
(示例县) that borrows the real GB/T 2260 codes of 山西省忻州市忻府区 (140902), one year
(2024), four departments, their check-item list, plans, tasks, draws, results and an
industry compliance handbook.  The files imitate the shapes real platforms export
(merged title rows, GBK / GB18030 / BOM encodings, header variants, Excel date serials,
multi-result cells) and a few rows are deliberately broken; those are listed in
``data/planted_errors.json`` and in the table of ``data/README.md``.

The output is byte-for-byte deterministic: a single ``random.Random(20240101)`` drives
every choice, no wall-clock time is read, and the XLSX zip containers are rewritten
with fixed timestamps.

Usage::

    python scripts/make_demo_data.py [--out data/]

Requires the standard library, ``openpyxl`` and ``python-stdnum``.
"""

from __future__ import annotations

import os

# openpyxl writes different (equally valid) bytes when lxml is installed (feedgen brings it);
# the committed files come from its standard-library writer. Set before openpyxl is imported.
os.environ.setdefault("OPENPYXL_LXML", "False")

import argparse
import copy
import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import Random

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

SEED = 20240101
YEAR = 2024
COUNTY = "示例县"
REGION_CODE = "140902"  # 山西省忻州市忻府区, GB/T 2260 (county fictionalised as 示例县)
CITY_CODE = "140900"
PROVINCE_CODE = "140000"
FIXED_DATETIME = dt.datetime(2024, 12, 31, 0, 0, 0)
ZIP_DATE_TIME = (2024, 12, 31, 0, 0, 0)
EXCEL_EPOCH = dt.date(1899, 12, 30)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DRAW_ALGORITHM = "sha256-rank-v1"
REPO_ROOT = Path(__file__).resolve().parent.parent
EXPORTS = "exports"

# File names, relative to the output directory.
F_ITEMS = f"{EXPORTS}/抽查事项清单_2024.xlsx"
F_PLANS = f"{EXPORTS}/年度抽查计划_2024.csv"
F_TASKS = f"{EXPORTS}/抽查任务_2024.csv"
F_DRAWS = f"{EXPORTS}/抽取记录_2024.csv"
F_RES_SC_H1 = f"{EXPORTS}/检查结果_市场监管局_2024上半年.xlsx"
F_RES_SC_H2 = f"{EXPORTS}/检查结果_市场监管局_2024下半年.csv"
F_RES_WJ = f"{EXPORTS}/检查结果_卫健局_2024.csv"
F_RES_WL = f"{EXPORTS}/检查结果_文旅局_2024.csv"
F_HANDBOOK = f"{EXPORTS}/合规手册.csv"

RESULTS_TITLE = f"{COUNTY}市场监督管理局双随机抽查结果公示"
ITEMS_TITLE = f"{COUNTY}{YEAR}年度随机抽查事项清单"

# --------------------------------------------------------------------------------------
# Departments and inspectors
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    """A county department that owns check items and runs tasks."""

    key: str
    name: str
    first_inspector: int
    inspector_count: int


DEPARTMENTS = {
    "SC": Department("SC", f"{COUNTY}市场监督管理局", 1, 16),
    "WJ": Department("WJ", f"{COUNTY}卫生健康局", 101, 6),
    "WL": Department("WL", f"{COUNTY}文化和旅游局", 201, 6),
    "YJ": Department("YJ", f"{COUNTY}应急管理局", 301, 5),
}


@dataclass(frozen=True)
class Inspector:
    """An entry of the 执法检查人员名录库."""

    inspector_id: str
    name: str
    department: str


# --------------------------------------------------------------------------------------
# 抽查事项清单 (check items)
# --------------------------------------------------------------------------------------

# (department, 重点?, 抽查领域, 抽查事项名称, 抽查子项, 检查对象, 检查方式, 抽查依据, 抽查内容,
#  所属行业, 承办股室)
ITEM_SPECS = [
    ("SC", True, "登记事项", "企业公示信息的检查", "年度报告公示信息；即时公示信息",
     "企业、农民专业合作社", "书面检查、实地核查、网络监测",
     "《企业信息公示暂行条例》第十四条、第十七条",
     "企业年度报告和即时公示信息的真实性、及时性", "综合", "信用监管股"),
    ("SC", False, "登记事项", "个体工商户公示信息的检查", "年度报告公示信息",
     "个体工商户", "书面检查、实地核查", "《促进个体工商户发展条例》第二十九条",
     "个体工商户年度报告信息的真实性", "综合", "信用监管股"),
    ("SC", False, "登记事项", "营业执照（登记证）规范使用情况的检查", "",
     "企业、个体工商户、农民专业合作社", "实地核查、网络监测",
     "《中华人民共和国市场主体登记管理条例》第三十六条",
     "营业执照是否置于住所或主要经营场所醒目位置，网店是否公示营业执照信息", "综合", "登记注册股"),
    ("SC", False, "登记事项", "名称规范使用情况的检查", "",
     "企业、个体工商户、农民专业合作社", "实地核查", "《企业名称登记管理规定》第二十二条",
     "实际使用的名称与登记名称是否一致", "综合", "登记注册股"),
    ("SC", True, "食品安全", "食品经营许可情况的检查", "餐饮服务许可",
     "餐饮服务提供者", "实地核查、书面检查", "《中华人民共和国食品安全法》第三十五条",
     "是否取得食品经营许可证，是否在有效期内、是否在经营场所显著位置悬挂", "餐饮服务", "食品安全监管股"),
    ("SC", False, "食品安全", "餐饮服务食品安全管理制度落实情况的检查", "",
     "餐饮服务提供者", "实地核查", "《中华人民共和国食品安全法》第四十四条",
     "是否配备食品安全管理人员，是否建立并执行食品安全自查制度", "餐饮服务", "食品安全监管股"),
    ("SC", True, "食品安全", "餐饮服务从业人员健康管理情况的检查", "",
     "餐饮服务提供者", "实地核查、书面检查", "《中华人民共和国食品安全法》第四十五条",
     "接触直接入口食品的从业人员是否持有有效健康证明，是否执行每日晨检", "餐饮服务", "食品安全监管股"),
    ("SC", False, "食品安全", "餐饮具清洗消毒情况的检查", "",
     "餐饮服务提供者", "实地核查", "《中华人民共和国食品安全法》第五十六条",
     "餐具、饮具是否洗净消毒，消毒和保洁设施是否正常运转", "餐饮服务", "食品安全监管股"),
    ("SC", True, "食品安全", "餐饮服务原料控制情况的检查", "进货查验；索证索票",
     "餐饮服务提供者", "实地核查、书面检查", "《中华人民共和国食品安全法》第五十五条",
     "采购食品及原料是否查验供货者许可证和产品合格证明并如实记录", "餐饮服务", "食品安全监管股"),
    ("SC", False, "食品安全", "食品添加剂使用情况的检查", "",
     "餐饮服务提供者", "实地核查、委托检验检测", "《中华人民共和国食品安全法》第四十条",
     "是否超范围、超限量使用食品添加剂，是否公示所用添加剂名称", "餐饮服务", "食品安全监管股"),
    ("SC", False, "食品安全", "网络餐饮服务经营行为的检查", "",
     "入网餐饮服务提供者", "网络监测、非现场检查", "《网络餐饮服务食品安全监督管理办法》第四条",
     "网店是否公示营业执照和食品经营许可证，公示信息是否与实体店一致", "餐饮服务", "食品安全监管股"),
    ("SC", True, "食品安全", "食品销售者经营资质的检查", "",
     "食品销售者", "实地核查、书面检查", "《中华人民共和国食品安全法》第三十五条",
     "是否取得食品经营许可或办理仅销售预包装食品备案，是否超范围经营", "食品销售", "食品安全监管股"),
    ("SC", True, "食品安全", "食品销售进货查验记录制度落实情况的检查", "",
     "食品销售者", "实地核查、书面检查", "《中华人民共和国食品安全法》第五十三条",
     "是否查验供货者许可证和出厂检验合格证明，进货查验记录是否真实完整", "食品销售", "食品安全监管股"),
    ("SC", False, "食品安全", "食品贮存及临近保质期食品管理情况的检查", "",
     "食品销售者", "实地核查", "《中华人民共和国食品安全法》第五十四条",
     "是否按要求贮存食品，是否定期检查并清理变质或超过保质期的食品", "食品销售", "食品安全监管股"),
    ("SC", False, "食品安全", "预包装食品标签标识情况的检查", "",
     "食品销售者", "实地核查、委托检验检测", "《中华人民共和国食品安全法》第六十七条、第七十一条",
     "预包装食品标签是否标明名称、规格、生产日期、保质期等法定事项", "食品销售", "食品安全监管股"),
    ("SC", True, "食品安全", "食品安全监督抽检", "",
     "食品销售者", "委托检验检测", "《中华人民共和国食品安全法》第八十七条",
     "按照抽检计划对在售食品抽样检验", "食品销售", "食品安全监管股"),
    ("SC", True, "药品安全", "药品经营许可及执业药师在岗情况的检查", "",
     "药品零售企业", "实地核查、书面检查", "《中华人民共和国药品管理法》第五十一条、第五十二条",
     "是否持有有效药品经营许可证，是否配备依法经过资格认定的药师并在岗", "药品零售", "药品医疗器械监管股"),
    ("SC", True, "药品安全", "药品购进验收和购销记录情况的检查", "",
     "药品零售企业", "实地核查、书面检查", "《中华人民共和国药品管理法》第五十六条、第五十七条",
     "是否从合法渠道购进药品，是否执行进货检查验收，购销记录是否真实完整", "药品零售", "药品医疗器械监管股"),
    ("SC", False, "药品安全", "处方药销售管理情况的检查", "",
     "药品零售企业", "实地核查", "《中华人民共和国药品管理法》第五十八条",
     "处方药是否凭处方销售并经药师审核，处方药与非处方药是否分区陈列", "药品零售", "药品医疗器械监管股"),
    ("SC", False, "药品安全", "药品储存陈列条件的检查", "",
     "药品零售企业", "实地核查", "《中华人民共和国药品管理法》第五十九条",
     "是否执行药品保管制度，冷藏药品储存和温湿度记录是否符合要求", "药品零售", "药品医疗器械监管股"),
    ("SC", False, "医疗器械", "医疗器械经营备案及经营行为的检查", "",
     "兼营医疗器械的药品零售企业", "实地核查、书面检查", "《医疗器械监督管理条例》第四十一条、第四十五条",
     "第二类医疗器械经营是否备案，进货查验记录是否完整", "药品零售", "药品医疗器械监管股"),
    ("SC", False, "价格监管", "住宿业明码标价情况的检查", "",
     "住宿经营者", "实地核查、网络监测", "《中华人民共和国价格法》第十三条；《明码标价和禁止价格欺诈规定》第五条",
     "是否在前台显著位置公示客房价格，是否存在价格欺诈行为", "住宿", "价格监督检查股"),
    ("SC", False, "价格监管", "娱乐场所明码标价情况的检查", "",
     "娱乐场所经营者", "实地核查", "《中华人民共和国价格法》第十三条；《明码标价和禁止价格欺诈规定》第五条",
     "包厢、酒水、食品是否明码标价，是否在标价之外加价收费", "娱乐场所", "价格监督检查股"),
    ("SC", True, "计量监督", "加油机计量器具强制检定情况的检查", "",
     "加油站", "实地核查、委托检验检测", "《中华人民共和国计量法》第九条",
     "在用加油机是否按期强制检定并粘贴合格标志，铅封是否完好、计量是否准确", "加油站", "质量计量股"),
    ("SC", True, "产品质量", "成品油质量的检查", "",
     "加油站", "委托检验检测", "《中华人民共和国产品质量法》第十五条",
     "抽取在售车用汽油、柴油检验硫含量、辛烷值等指标", "加油站", "质量计量股"),
    ("SC", False, "价格监管", "加油站明码标价情况的检查", "",
     "加油站", "实地核查", "《中华人民共和国价格法》第十三条",
     "油品价格是否在显著位置明码标价", "加油站", "价格监督检查股"),
    ("SC", False, "特种设备", "住宿场所电梯使用管理情况的检查", "",
     "使用电梯的住宿经营者", "实地核查、书面检查", "《中华人民共和国特种设备安全法》第三十三条、第四十条",
     "电梯是否办理使用登记、是否在检验有效期内，是否配备安全管理人员", "住宿", "特种设备安全监察股"),
    ("WJ", True, "公共卫生", "公共场所卫生许可情况的检查", "",
     "住宿场所", "实地核查、书面检查", "《公共场所卫生管理条例》第八条",
     "是否取得有效公共场所卫生许可证并在显著位置公示", "住宿", "综合监督执法股"),
    ("WJ", False, "公共卫生", "公共场所从业人员健康管理情况的检查", "",
     "住宿场所", "实地核查、书面检查", "《公共场所卫生管理条例》第七条",
     "直接为顾客服务的从业人员是否取得有效健康合格证明", "住宿", "综合监督执法股"),
    ("WJ", True, "公共卫生", "住宿场所公共用品用具清洗消毒情况的检查", "",
     "住宿场所", "实地核查", "《公共场所卫生管理条例实施细则》第十四条",
     "床上用品、茶具等是否一客一换一消毒，是否有清洗消毒记录", "住宿", "综合监督执法股"),
    ("WJ", False, "公共卫生", "公共场所卫生检测情况的检查", "室内空气质量",
     "住宿场所、娱乐场所", "委托检验检测、书面检查", "《公共场所卫生管理条例实施细则》第十九条",
     "是否按规定对空气、微小气候、公共用品用具进行卫生检测并公示结果", "娱乐场所", "综合监督执法股"),
    ("WJ", False, "公共卫生", "歌舞娱乐场所卫生管理制度落实情况的检查", "",
     "歌舞娱乐场所", "实地核查", "《公共场所卫生管理条例实施细则》第七条",
     "是否建立卫生管理制度和档案，是否配备专（兼）职卫生管理人员", "娱乐场所", "综合监督执法股"),
    ("WJ", False, "公共卫生", "餐饮服务单位使用集中消毒餐饮具情况的检查", "",
     "餐饮服务提供者", "实地核查、书面检查", "《中华人民共和国食品安全法》第五十八条",
     "是否查验集中消毒单位营业执照和消毒合格证明，餐饮具包装标注是否齐全", "餐饮服务", "综合监督执法股"),
    ("WL", True, "文化市场", "娱乐场所经营许可情况的检查", "",
     "歌舞娱乐场所、游艺娱乐场所", "实地核查、书面检查", "《娱乐场所管理条例》第九条",
     "是否取得娱乐经营许可证，载明事项与实际经营是否一致", "娱乐场所", "文化市场综合执法队"),
    ("WL", True, "文化市场", "娱乐场所接纳未成年人情况的检查", "",
     "歌舞娱乐场所", "实地核查", "《中华人民共和国未成年人保护法》第五十八条；《娱乐场所管理条例》第二十三条",
     "是否允许未成年人进入，是否在显著位置设置未成年人禁入标志", "娱乐场所", "文化市场综合执法队"),
    ("WL", False, "文化市场", "娱乐场所播放内容管理情况的检查", "曲库内容",
     "歌舞娱乐场所", "实地核查、网络监测", "《娱乐场所管理条例》第十三条",
     "点播曲库是否含有禁止内容", "娱乐场所", "文化市场综合执法队"),
    ("WL", False, "文化市场", "娱乐场所营业日志和巡查制度落实情况的检查", "",
     "娱乐场所", "书面检查、实地核查", "《娱乐场所管理条例》第二十五条、第二十六条",
     "是否建立营业日志和巡查制度并如实记录", "娱乐场所", "文化市场综合执法队"),
    ("WL", False, "旅游市场", "旅游民宿服务质量的检查", "",
     "旅游民宿", "实地核查、网络监测", "《中华人民共和国旅游法》第五十条",
     "服务设施和安全提示是否符合要求，网络宣传是否与实际一致", "住宿", "文化市场综合执法队"),
    ("WL", True, "文化市场", "互联网上网服务营业场所经营行为的检查", "",
     "互联网上网服务营业场所", "实地核查", "《互联网上网服务营业场所管理条例》第二十一条、第二十三条",
     "是否接纳未成年人，是否核对、登记上网消费者有效身份证件", "娱乐场所", "文化市场综合执法队"),
    ("YJ", True, "危险化学品", "加油站危险化学品经营许可情况的检查", "",
     "加油站", "实地核查、书面检查", "《危险化学品安全管理条例》第三十三条",
     "是否取得危险化学品经营许可证并在有效期内", "加油站", "危险化学品安全监督管理股"),
    ("YJ", False, "安全生产", "加油站安全生产责任制落实情况的检查", "",
     "加油站", "书面检查、实地核查", "《中华人民共和国安全生产法》第二十二条",
     "是否建立全员安全生产责任制并考核落实", "加油站", "危险化学品安全监督管理股"),
    ("YJ", False, "安全生产", "加油站从业人员安全生产教育和培训情况的检查", "",
     "加油站", "书面检查", "《中华人民共和国安全生产法》第二十八条",
     "是否对从业人员进行安全生产教育和培训并建立档案", "加油站", "危险化学品安全监督管理股"),
    ("YJ", False, "安全生产", "加油站生产安全事故应急预案及演练情况的检查", "",
     "加油站", "书面检查、实地核查", "《中华人民共和国安全生产法》第八十一条",
     "是否制定应急预案并定期组织演练", "加油站", "危险化学品安全监督管理股"),
    ("YJ", True, "安全生产", "餐饮场所燃气使用安全的检查", "可燃气体报警装置",
     "使用燃气的餐饮服务提供者", "实地核查", "《中华人民共和国安全生产法》第三十六条",
     "是否安装可燃气体报警装置并保障正常使用", "餐饮服务", "安全生产基础股"),
]


@dataclass(frozen=True)
class Item:
    """One row of the 抽查事项清单."""

    code: str
    department: str
    key_item: bool
    domain: str
    name: str
    sub_items: str
    target: str
    method: str
    basis: str
    content: str
    industry: str
    unit: str

    @property
    def category(self) -> str:
        """重点检查事项 or 一般检查事项."""
        return "重点检查事项" if self.key_item else "一般检查事项"

    @property
    def is_publicity(self) -> bool:
        """Whether this is one of the 信息公示 items (their results use 公示 wordings)."""
        return self.domain == "登记事项" and "公示" in self.name


def build_items() -> dict[str, Item]:
    """Number the item specs per department (``SJ-SC-001`` …) and return them by code."""
    counters: dict[str, int] = {}
    items: dict[str, Item] = {}
    for spec in ITEM_SPECS:
        dept = spec[0]
        counters[dept] = counters.get(dept, 0) + 1
        code = f"SJ-{dept}-{counters[dept]:03d}"
        items[code] = Item(code, DEPARTMENTS[dept].name, *spec[1:])
    return items


def item_codes(*short: str) -> list[str]:
    """Expand short item references (``"SC-005"``) to full item codes."""
    return [f"SJ-{s}" for s in short]


# --------------------------------------------------------------------------------------
# Plans and tasks
# --------------------------------------------------------------------------------------

# (seq, name, lead dept, partner depts, items, scope, ratio text, start, end, published,
#  revision note)
PLAN_SPECS = [
    (1, f"{COUNTY}市场监督管理局{YEAR}年度食品经营“双随机、一公开”抽查计划", "SC", (),
     item_codes(*(f"SC-{n:03d}" for n in range(5, 17))), "全县餐饮服务提供者、食品销售者",
     "餐饮服务不低于10%，食品销售不低于9%", "03-01", "11-30", "02-26", ""),
    (2, f"{COUNTY}市场监督管理局{YEAR}年度信息公示及登记事项抽查计划", "SC", (),
     item_codes("SC-001", "SC-002", "SC-003", "SC-004"), "全县企业、个体工商户、农民专业合作社",
     "企业不低于5%，个体工商户不低于3%", "03-01", "11-30", "02-26",
     "2024年7月1日修订：增加抽查事项SJ-SC-004（名称规范使用情况的检查）"),
    (3, f"{COUNTY}市场监督管理局{YEAR}年度药品医疗器械抽查计划", "SC", (),
     item_codes(*(f"SC-{n:03d}" for n in range(17, 22))), "全县药品零售企业",
     "不低于18%", "03-15", "11-30", "03-08", ""),
    (4, f"{COUNTY}市场监督管理局{YEAR}年度价格和特种设备抽查计划", "SC", (),
     item_codes("SC-022", "SC-023", "SC-027"), "全县住宿经营者、娱乐场所",
     "住宿20%，娱乐场所25%", "04-01", "11-30", "03-20", ""),
    (5, f"{COUNTY}{YEAR}年度餐饮服务“一业一查”部门联合抽查计划", "SC", ("WJ", "YJ"),
     item_codes("SC-005", "SC-006", "SC-007", "SC-008", "WJ-006", "YJ-005"), "全县餐饮服务提供者",
     "6%", "04-01", "11-30", "03-20", ""),
    (6, f"{COUNTY}{YEAR}年度加油站部门联合抽查计划", "SC", ("YJ",),
     item_codes("SC-024", "SC-025", "SC-026", "YJ-001", "YJ-002", "YJ-003", "YJ-004"),
     "全县加油站", "30%", "04-15", "11-30", "04-02", ""),
    (7, f"{COUNTY}卫生健康局{YEAR}年度公共场所卫生双随机抽查计划", "WJ", (),
     item_codes(*(f"WJ-{n:03d}" for n in range(1, 6))), "全县住宿场所、娱乐场所",
     "不低于20%", "04-01", "11-30", "03-15", ""),
    (8, f"{COUNTY}{YEAR}年度住宿业部门联合抽查计划", "WJ", ("WL", "SC"),
     item_codes("WJ-001", "WJ-002", "WJ-003", "WL-005", "SC-022", "SC-027"), "全县住宿经营者",
     "20%", "06-01", "11-30", "05-20", ""),
    (9, f"{COUNTY}文化和旅游局{YEAR}年度文化市场双随机抽查计划", "WL", (),
     item_codes("WL-001", "WL-002", "WL-003", "WL-004", "WL-006"),
     "全县歌舞娱乐场所、互联网上网服务营业场所", "25%（上网服务营业场所40%）", "03-15", "11-30", "03-05", ""),
    (10, f"{COUNTY}{YEAR}年度娱乐场所部门联合抽查计划", "WL", ("WJ", "SC"),
     item_codes("WL-001", "WL-002", "WJ-004", "WJ-005", "SC-023"), "全县娱乐场所",
     "22%", "05-01", "11-30", "04-22", ""),
]


@dataclass(frozen=True)
class Scope:
    """Filter that selects a task's 检查对象名录库 from the county's entities."""

    label: str
    industries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()

    def matches(self, entity: Entity) -> bool:
        """True if the entity belongs to this population."""
        return ((not self.industries or entity.industry in self.industries)
                and (not self.kinds or entity.kind in self.kinds)
                and (not self.entity_types or entity.entity_type in self.entity_types))

    @property
    def targeted(self) -> bool:
        """定向 when the population is one industry, 不定向 when it is everyone of a type."""
        return bool(self.industries)


SCOPES = {
    "餐饮": Scope("全县餐饮服务提供者（含个体工商户）", industries=("餐饮服务",)),
    "食品销售": Scope("全县食品销售者（含超市、便利店、农民专业合作社）", industries=("食品销售",)),
    "药品": Scope("全县药品零售企业", industries=("药品零售",)),
    "住宿": Scope("全县住宿经营者（宾馆、旅馆、民宿）", industries=("住宿",)),
    "娱乐": Scope("全县娱乐场所", industries=("娱乐场所",)),
    "歌舞": Scope("全县歌舞娱乐场所", industries=("娱乐场所",), kinds=("歌舞",)),
    "网吧": Scope("全县互联网上网服务营业场所", industries=("娱乐场所",), kinds=("网吧",)),
    "加油站": Scope("全县加油站", industries=("加油站",)),
    "企业": Scope("全县企业和农民专业合作社", entity_types=("企业", "农民专业合作社")),
    "个体": Scope("全县个体工商户", entity_types=("个体工商户",)),
}

# (plan seq, scope, items, ratio, created MM-DD, duration in days, topic)
TASK_SPECS = [
    (1, "餐饮", ("SC-005", "SC-007", "SC-008", "SC-009"), 0.12, "03-05", 45, "餐饮服务食品安全"),
    (2, "企业", ("SC-001", "SC-003"), 0.05, "03-11", 60, "企业公示信息"),
    (1, "食品销售", ("SC-012", "SC-013", "SC-014"), 0.11, "03-18", 40, "食品销售环节食品安全"),
    (3, "药品", ("SC-017", "SC-018", "SC-019"), 0.18, "03-25", 45, "药品零售企业"),
    (2, "个体", ("SC-002", "SC-003"), 0.03, "04-01", 60, "个体工商户公示信息"),
    (5, "餐饮", ("SC-005", "SC-007", "WJ-006", "YJ-005"), 0.06, "04-08", 40, "餐饮服务“一业一查”联合"),
    (4, "住宿", ("SC-022", "SC-027"), 0.20, "04-15", 45, "住宿业价格和电梯安全"),
    (6, "加油站", ("SC-024", "SC-026", "YJ-001", "YJ-002"), 0.30, "04-22", 35, "加油站联合"),
    (1, "餐饮", ("SC-005", "SC-006", "SC-010", "SC-011"), 0.12, "05-06", 40, "餐饮服务食品安全"),
    (5, "餐饮", ("SC-005", "SC-008", "WJ-006", "YJ-005"), 0.06, "05-10", 45, "餐饮服务“一业一查”联合"),
    (1, "食品销售", ("SC-012", "SC-015", "SC-016"), 0.11, "05-13", 40, "食品销售环节食品安全"),
    (3, "药品", ("SC-017", "SC-020", "SC-021"), 0.18, "05-20", 30, "药品零售企业"),
    (4, "娱乐", ("SC-023",), 0.25, "05-27", 30, "娱乐场所明码标价"),
    (1, "餐饮", ("SC-005", "SC-007", "SC-009", "SC-010"), 0.12, "07-08", 45, "餐饮服务食品安全"),
    (2, "企业", ("SC-001", "SC-004"), 0.05, "07-15", 60, "企业公示信息"),
    (1, "食品销售", ("SC-012", "SC-013", "SC-015"), 0.11, "07-22", 40, "食品销售环节食品安全"),
    (3, "药品", ("SC-018", "SC-019", "SC-020"), 0.18, "08-05", 40, "药品零售企业"),
    (5, "餐饮", ("SC-007", "SC-008", "WJ-006", "YJ-005"), 0.06, "08-12", 40, "餐饮服务“一业一查”联合"),
    (2, "个体", ("SC-002", "SC-003", "SC-004"), 0.03, "08-19", 60, "个体工商户公示信息"),
    (4, "住宿", ("SC-022", "SC-027"), 0.20, "09-02", 40, "住宿业价格和电梯安全"),
    (6, "加油站", ("SC-024", "SC-025", "YJ-003", "YJ-004"), 0.30, "09-09", 35, "加油站联合"),
    (1, "餐饮", ("SC-006", "SC-008", "SC-011"), 0.12, "09-16", 40, "餐饮服务食品安全"),
    (1, "食品销售", ("SC-013", "SC-014", "SC-016"), 0.11, "09-23", 40, "食品销售环节食品安全"),
    (3, "药品", ("SC-017", "SC-018", "SC-021"), 0.18, "10-08", 35, "药品零售企业"),
    (5, "餐饮", ("SC-005", "SC-006", "WJ-006", "YJ-005"), 0.06, "10-10", 35, "餐饮服务“一业一查”联合"),
    (4, "娱乐", ("SC-023",), 0.25, "10-14", 25, "娱乐场所明码标价"),
    (7, "住宿", ("WJ-001", "WJ-002", "WJ-003"), 0.20, "04-10", 45, "住宿场所卫生"),
    (7, "娱乐", ("WJ-004", "WJ-005"), 0.22, "05-15", 40, "娱乐场所卫生"),
    (8, "住宿", ("WJ-001", "WJ-003", "WL-005", "SC-022"), 0.20, "06-03", 30, "住宿业联合"),
    (7, "住宿", ("WJ-001", "WJ-002", "WJ-003"), 0.20, "09-05", 45, "住宿场所卫生"),
    (7, "娱乐", ("WJ-004", "WJ-005"), 0.22, "09-20", 40, "娱乐场所卫生"),
    (8, "住宿", ("WJ-002", "WJ-003", "WL-005", "SC-027"), 0.20, "10-09", 30, "住宿业联合"),
    (9, "歌舞", ("WL-001", "WL-002", "WL-003"), 0.25, "03-20", 45, "歌舞娱乐场所"),
    (10, "娱乐", ("WL-001", "WL-002", "WJ-005", "SC-023"), 0.22, "05-08", 35, "娱乐场所联合"),
    (9, "网吧", ("WL-006",), 0.40, "06-05", 20, "互联网上网服务营业场所"),
    (9, "歌舞", ("WL-001", "WL-004"), 0.25, "08-26", 40, "歌舞娱乐场所"),
    (10, "娱乐", ("WL-002", "WJ-004", "SC-023"), 0.22, "09-18", 35, "娱乐场所联合"),
    (9, "网吧", ("WL-006",), 0.40, "10-15", 25, "互联网上网服务营业场所"),
]


@dataclass
class Plan:
    """One 年度抽查计划."""

    plan_id: str
    name: str
    lead: str
    partners: tuple[str, ...]
    item_codes: list[str]
    scope: str
    ratio: str
    start: dt.date
    end: dt.date
    published: dt.date
    revision: str

    @property
    def plan_type(self) -> str:
        """本部门 or 部门联合."""
        return "部门联合" if self.partners else "本部门"


@dataclass
class Task:
    """One 抽查任务 together with its draw."""

    task_id: str
    plan: Plan
    name: str
    scope: Scope
    item_codes: list[str]
    ratio: float
    created: dt.date
    start: dt.date
    end: dt.date
    population: list[Entity] = field(default_factory=list)
    drawn: list[Entity] = field(default_factory=list)
    inspectors: list[Inspector] = field(default_factory=list)
    inspector_pool: list[Inspector] = field(default_factory=list)
    seed: str = ""

    @property
    def lead(self) -> Department:
        """The department that runs the task and publishes its results."""
        return DEPARTMENTS[self.plan.lead]

    @property
    def check_type(self) -> str:
        """定向 or 不定向."""
        return "定向" if self.scope.targeted else "不定向"


def parse_md(month_day: str) -> dt.date:
    """Turn ``"MM-DD"`` into a date of the corpus year."""
    month, day = month_day.split("-")
    return dt.date(YEAR, int(month), int(day))


def build_plans() -> dict[int, Plan]:
    """Build the plans from PLAN_SPECS, keyed by their sequence number."""
    plans = {}
    for seq, name, lead, partners, codes, scope, ratio, start, end, pub, rev in PLAN_SPECS:
        plans[seq] = Plan(f"{REGION_CODE}{YEAR}{seq:04d}", name, lead, partners, list(codes),
                          scope, ratio, parse_md(start), parse_md(end), parse_md(pub), rev)
    return plans


def build_tasks(plans: dict[int, Plan], items: dict[str, Item]) -> list[Task]:
    """Build the tasks (ordered by creation date) and number them like the platform does."""
    specs = sorted(TASK_SPECS, key=lambda s: s[4])
    batches: dict[str, int] = {}
    tasks = []
    for seq, (plan_seq, scope_key, shorts, ratio, created, days, topic) in enumerate(specs, 1001):
        plan = plans[plan_seq]
        codes = item_codes(*shorts)
        missing = [c for c in codes if c not in plan.item_codes or c not in items]
        if missing:
            raise ValueError(f"task items {missing} not in plan {plan.plan_id}")
        batches[topic] = batches.get(topic, 0) + 1
        created_on = parse_md(created)
        start = created_on + dt.timedelta(days=3)
        tasks.append(Task(
            task_id=f"{REGION_CODE}{created_on:%Y%m%d}{seq}",
            plan=plan,
            name=f"{YEAR}年{topic}双随机抽查（第{batches[topic]}批）",
            scope=SCOPES[scope_key],
            item_codes=codes,
            ratio=ratio,
            created=created_on,
            start=start,
            end=start + dt.timedelta(days=days),
        ))
    return tasks


# --------------------------------------------------------------------------------------
# Entities (检查对象名录库) and people
# --------------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢"
            "蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯"
            "邵孟龙万段雷钱汤尹武乔贺常温闫霍")
GIVEN_NAMES = ["建国", "建华", "国强", "志刚", "秀英", "桂英", "玉兰", "海燕", "丽娟", "晓红", "春梅", "红霞", "文斌", "小军", "伟", "强", "磊", "军", "勇", "杰", "娟", "敏", "静", "丽", "芳", "霞", "鹏", "涛", "斌", "超", "明", "华", "平", "刚", "燕", "辉", "宇", "浩", "凯", "婷", "雪", "琳", "晶", "俊峰", "海军", "瑞", "鑫", "晋生", "润生", "三毛", "二虎", "爱萍", "翠兰", "改英", "俊", "亮", "宏", "峰", "永红", "卫东", "利平", "晓东", "志强", "金花"]
TRADE_NAMES = ["恒泰", "鑫源", "晋丰", "华瑞", "盛达", "福顺", "永兴", "汇通", "金穗", "宏运", "瑞丰", "康达", "润泽", "祥和", "兴旺", "佳美", "德顺", "天元", "聚福", "安康", "晋龙", "昌盛", "鼎盛", "嘉禾", "锦程", "万家", "福源", "泰和", "宏达", "三和", "鸿运", "泓锦", "绿源", "顺通", "金诚", "同心", "和顺", "益民", "惠民", "隆盛", "昊天", "凯旋", "新源", "乾元", "坤泰", "振兴", "晨光", "吉祥", "百顺", "丰泽", "裕丰", "恒信", "信达", "四季", "春晖", "秀容", "云中", "牧马", "汾源", "晋源", "通达", "亿佳", "乐康", "禾丰"]
PLACES = ["东关", "西街", "南城", "北关", "新华路", "和平街", "长征街", "建设路", "五一路", "站前街", "开发区", "城南", "城北", "滨河路"]
VILLAGES = ["东河村", "西沟村", "南坡村", "北营村", "前进村", "红旗村", "后堡村", "上社村", "下社村", "柳林村", "杏园村", "枣林村", "石门村"]
PHONE_PREFIXES = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "189"]
# 身份证 address codes keep the code in force when the person was born (GB/T 2260 history):
# (code, first year, last year) — 忻县 / 忻州市 / nearby counties before the 2000 reform.
ID_REGIONS = (("142221", 1949, 1983), ("142201", 1983, 2000), ("142222", 1949, 2000),
              ("142223", 1949, 2000), ("142225", 1949, 2000), ("140902", 2000, 2099))

# industry, kind, count, (企业, 个体工商户, 农民专业合作社) weights, company suffixes, shop suffixes
INDUSTRY_MIX = [
    ("餐饮服务", "", 460, (3, 7, 0), ("餐饮管理有限公司", "餐饮有限公司", "饭店有限公司", "酒楼有限公司"),
     ("饭店", "小吃店", "面馆", "刀削面馆", "饸饹面馆", "烧烤店", "快餐店", "羊汤馆", "火锅店", "包子铺")),
    ("食品销售", "", 360, (30, 65, 5), ("商贸有限公司", "超市有限公司", "食品有限公司", "便利店有限公司"),
     ("便利店", "副食店", "超市", "粮油店", "果蔬店", "熟食店", "烟酒店", "干果店")),
    ("药品零售", "", 80, (85, 15, 0), ("大药房有限公司", "医药有限公司", "大药房连锁有限公司"), ("药店", "诊所药房")),
    ("住宿", "", 120, (4, 6, 0), ("酒店管理有限公司", "宾馆有限公司", "大酒店有限公司"),
     ("宾馆", "旅馆", "招待所", "民宿", "快捷宾馆")),
    ("娱乐场所", "歌舞", 95, (6, 4, 0), ("娱乐有限公司", "文化娱乐有限公司", "量贩KTV有限公司"), ("歌厅", "KTV")),
    ("娱乐场所", "网吧", 35, (6, 4, 0), ("网络科技有限公司", "网络会所有限公司"), ("网吧",)),
    ("加油站", "", 30, (1, 0, 0), ("石油销售有限公司",), ()),
    ("其他", "", 330, (45, 40, 15), ("商贸有限公司", "建筑工程有限公司", "农业开发有限公司", "物流有限公司",
                                    "装饰工程有限公司", "信息技术有限公司", "汽车服务有限公司", "建材有限公司"),
     ("五金店", "理发店", "服装店", "家电维修部", "手机店", "洗车店", "建材店", "门窗店", "打印部")),
]
COOP_SUFFIXES = ("种植专业合作社", "养殖专业合作社", "农机专业合作社", "杂粮专业合作社", "果蔬专业合作社")
ENTITY_TYPES = ("企业", "个体工商户", "农民专业合作社")
USCC_TYPE_DIGIT = {"企业": "1", "个体工商户": "2", "农民专业合作社": "3"}
RISK_WEIGHTS = (("A", 58), ("B", 30), ("C", 9), ("D", 3))
LEGACY_REGNO_SHARE = 0.055
RARE_NAME_CHAR = "䶮"  # CJK Ext. A: in GB18030 but not in GBK


@dataclass
class Person:
    """An operator of a sole trader (personal information, never to be published)."""

    name: str
    id_number: str
    phone: str


@dataclass
class Entity:
    """A market entity of the county's 检查对象名录库."""

    name: str
    code: str
    entity_type: str
    industry: str
    kind: str
    risk: str
    operator: Person | None = None

    @property
    def has_uscc(self) -> bool:
        """True for an 18-character USCC, False for a legacy 15-digit 注册号."""
        return len(self.code) == 18


def weighted_choice(rng: Random, pairs) -> str:
    """Pick a value from ``(value, weight)`` pairs."""
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def org_code_check(body8: str) -> str:
    """GB 11714 organisation-code check character for an 8-character body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(w * (int(c) if c.isdigit() else ord(c) - 55) for w, c in zip(weights, body8))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: Random, entity_type: str) -> str:
    """A valid USCC: 9 (工商) + type digit + region + organisation code + check character."""
    if rng.random() < 0.5:
        body = "MA0" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = f"9{USCC_TYPE_DIGIT[entity_type]}{REGION_CODE}{body}{org_code_check(body)}"
    return first17 + uscc.calc_check_digit(first17)


def make_regno(rng: Random, entity_type: str) -> str:
    """A valid legacy 15-digit 注册号 (ISO 7064 MOD 11,10 check digit)."""
    kind_digit = "6" if entity_type == "个体工商户" else "0"
    first14 = REGION_CODE + kind_digit + "".join(rng.choice("0123456789") for _ in range(7))
    return first14 + mod_11_10.calc_check_digit(first14)


def make_id_number(rng: Random) -> str:
    """A fictional 18-character 身份证号 with a correct check character."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
    region = rng.choice([code for code, first, last in ID_REGIONS if first <= birth.year <= last])
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    # stdnum's ric.calc_check_digit expects a full-length number and ignores its last character.
    return first17 + ric.calc_check_digit(first17 + "0")


class NameFactory:
    """Hands out unique fictional person and entity names."""

    def __init__(self, rng: Random):
        """Use ``rng`` for every choice; remember names already handed out."""
        self.rng = rng
        self.used: set[str] = set()

    def unique(self, make) -> str:
        """Call ``make()`` until it returns a name not handed out before."""
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("name space exhausted")

    def person_name(self) -> str:
        """A Chinese personal name (not necessarily unique)."""
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def person(self) -> Person:
        """A sole-trader operator with fictional ID number and phone."""
        phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        return Person(self.person_name(), make_id_number(self.rng), phone)

    def company(self, industry: str, suffixes: tuple[str, ...]) -> str:
        """A company name; some are long branch names, some use half-width brackets."""
        rng = self.rng
        trade, suffix = rng.choice(TRADE_NAMES), rng.choice(suffixes)
        if industry == "加油站":
            return f"山西{trade}{suffix}{rng.choice(PLACES)}加油站"
        roll = rng.random()
        if roll < 0.08:
            return f"山西{trade}{suffix}{COUNTY}分公司"
        if roll < 0.14 and industry in ("食品销售", "药品零售"):
            left, right = rng.choice((("（", "）"), ("（", "）"), ("(", ")")))
            return f"{COUNTY}{trade}{suffix}{left}{rng.choice(PLACES)}店{right}"
        return f"{COUNTY}{trade}{suffix}"

    def cooperative(self) -> str:
        """A 农民专业合作社 name."""
        return f"{COUNTY}{self.rng.choice(VILLAGES)}{self.rng.choice(TRADE_NAMES)}{self.rng.choice(COOP_SUFFIXES)}"


def build_entities(rng: Random, names: NameFactory) -> list[Entity]:
    """Create the county's market entities for every industry in INDUSTRY_MIX."""
    entities = []
    for industry, kind, count, type_weights, company_suffixes, shop_suffixes in INDUSTRY_MIX:
        for _ in range(count):
            entity_type = weighted_choice(rng, zip(ENTITY_TYPES, type_weights))
            operator = None
            if entity_type == "个体工商户":
                operator = names.person()
                suffix = rng.choice(shop_suffixes)
                name = names.unique(lambda: f"{COUNTY}{names.person_name()}{suffix}")
                operator.name = name[len(COUNTY):-len(suffix)]
            elif entity_type == "农民专业合作社":
                name = names.unique(names.cooperative)
            else:
                name = names.unique(lambda: names.company(industry, company_suffixes))
            legacy = rng.random() < LEGACY_REGNO_SHARE
            code = make_regno(rng, entity_type) if legacy else make_uscc(rng, entity_type)
            entities.append(Entity(name, code, entity_type, industry, kind,
                                   weighted_choice(rng, RISK_WEIGHTS), operator))
    return entities


def build_inspectors(names: NameFactory) -> dict[str, list[Inspector]]:
    """The 执法检查人员名录库 of every department."""
    pools = {}
    for dept in DEPARTMENTS.values():
        pools[dept.key] = [
            Inspector(f"ZF{REGION_CODE}{n:03d}", names.unique(names.person_name), dept.name)
            for n in range(dept.first_inspector, dept.first_inspector + dept.inspector_count)
        ]
    return pools


# --------------------------------------------------------------------------------------
# Draws (sha256-rank-v1)
# --------------------------------------------------------------------------------------


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of a UTF-8 string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def directory_digest(keys: list[str]) -> str:
    """名录摘要: SHA-256 over the sorted directory keys, one per line."""
    return sha256_hex("\n".join(sorted(keys)))


def rank_draw(seed: str, candidates: list, key, count: int) -> list:
    """sha256-rank-v1: sort by sha256(seed + ":" + key) and keep the first ``count``."""
    return sorted(candidates, key=lambda c: sha256_hex(f"{seed}:{key(c)}"))[:count]


def run_draws(rng: Random, tasks: list[Task], entities: list[Entity],
              inspectors: dict[str, list[Inspector]]) -> None:
    """Draw each task's 检查对象 and two 执法检查人员 of the lead department."""
    for task in tasks:
        task.seed = f"{rng.getrandbits(64):016x}"
        task.population = [e for e in entities if task.scope.matches(e)]
        sample = math.ceil(len(task.population) * task.ratio)
        task.drawn = rank_draw(task.seed, task.population, lambda e: e.code, sample)
        task.inspector_pool = inspectors[task.plan.lead]
        task.inspectors = rank_draw(task.seed, task.inspector_pool, lambda i: i.inspector_id, 2)


def give_rare_name(rng: Random, tasks: list[Task]) -> None:
    """Rename one sole trader checked in the second half so the GB18030 file needs GB18030."""
    candidates = [e for t in tasks if result_file(t) == F_RES_SC_H2 for e in t.drawn
                  if e.operator and RARE_NAME_CHAR not in e.name]
    entity = rng.choice(candidates)
    old = entity.operator.name
    entity.operator.name = old[0] + RARE_NAME_CHAR
    entity.name = entity.name.replace(old, entity.operator.name, 1)


# --------------------------------------------------------------------------------------
# Inspections and outcomes
# --------------------------------------------------------------------------------------

# Canonical outcomes; per-file wording lives in OUTCOME_WORDING.
OK, FIXED, PENDING, NOT_PUBLISHED, FALSE_INFO = "ok", "fixed", "pending", "not_published", "false_info"
UNREACHABLE, UNCOOPERATIVE, NO_ACTIVITY, CANCELLED, CLOSING = (
    "unreachable", "uncooperative", "no_activity", "cancelled", "closing")
CLOSED = "closed"  # drawn as one status, then written as CANCELLED or CLOSING

ITEM_OUTCOMES_PUBLICITY = ((OK, 86), (NOT_PUBLISHED, 6), (FALSE_INFO, 3), (FIXED, 3), (PENDING, 2))
ITEM_OUTCOMES_OTHER = ((OK, 88), (FIXED, 8), (PENDING, 4))
ENTITY_STATUSES = ((None, 955), (UNREACHABLE, 15), (UNCOOPERATIVE, 5), (NO_ACTIVITY, 15), (CLOSED, 10))
DISPOSALS = {
    FIXED: (("责令整改", 1),),
    PENDING: (("立案查处", 7), ("移送有关部门", 3)),
    NOT_PUBLISHED: (("列入经营异常名录", 1),),
    FALSE_INFO: (("列入经营异常名录", 6), ("立案查处", 4)),
    UNREACHABLE: (("列入经营异常名录", 1),),
    UNCOOPERATIVE: (("立案查处", 1),),
}

_BASE_WORDING = {
    OK: "未发现问题",
    FIXED: "发现问题已责令改正",
    PENDING: "发现问题待后续处理",
    NOT_PUBLISHED: "未按规定公示应当公示的信息",
    FALSE_INFO: "公示信息隐瞒真实情况弄虚作假",
    UNREACHABLE: "通过登记的住所（经营场所）无法联系",
    UNCOOPERATIVE: "不配合检查情节严重",
    NO_ACTIVITY: "未发现开展本次抽查涉及的经营活动",
    CANCELLED: "注销",
    CLOSING: "已关闭停业或正在组织清算",
}
# The second-half platform and the health bureau use the older / other wordings.
OUTCOME_WORDING = {
    F_RES_SC_H1: _BASE_WORDING,
    F_RES_SC_H2: {**_BASE_WORDING, FIXED: "发现问题经责令已改正",
                  FALSE_INFO: "公示信息隐瞒真实情况、弄虚作假", UNCOOPERATIVE: "不予配合情节严重"},
    F_RES_WJ: {**_BASE_WORDING, FIXED: "发现问题经责令已改正"},
    F_RES_WL: _BASE_WORDING,
}
PUBLICITY_OK_H2 = "正常（符合信息公示相关规定）"


@dataclass
class Inspection:
    """One result record: task × entity × check item."""

    task: Task
    entity: Entity
    item: Item
    outcome: str
    disposal: str
    checked_on: dt.date
    published_on: dt.date


def result_file(task: Task) -> str:
    """The export file that carries a task's results (by lead department and half-year)."""
    if task.plan.lead == "WJ":
        return F_RES_WJ
    if task.plan.lead == "WL":
        return F_RES_WL
    return F_RES_SC_H1 if task.start.month <= 6 else F_RES_SC_H2


def entity_task_counts(tasks: list[Task]) -> dict[str, int]:
    """How many tasks drew each entity (by code)."""
    counts: dict[str, int] = {}
    for task in tasks:
        for entity in task.drawn:
            counts[entity.code] = counts.get(entity.code, 0) + 1
    return counts


def entity_status(rng: Random, entity: Entity, task_count: int) -> str | None:
    """Whole-visit status (unreachable, closed …) or None for an item-by-item check."""
    status = weighted_choice(rng, ENTITY_STATUSES)
    if status == CLOSED:
        # A closed business cannot be inspected again later: only for single-task entities.
        if task_count > 1 or entity.entity_type == "农民专业合作社":
            return None
        return CANCELLED if rng.random() < 0.5 else CLOSING
    return status


def build_inspections(rng: Random, tasks: list[Task], items: dict[str, Item]) -> list[Inspection]:
    """Check every drawn entity of every task for all of the task's items."""
    counts = entity_task_counts(tasks)
    inspections = []
    for task in tasks:
        window = (task.end - task.start).days
        for entity in task.drawn:
            status = entity_status(rng, entity, counts[entity.code])
            checked = task.start + dt.timedelta(days=rng.randint(0, window))
            delay = rng.randint(3, 20) if rng.random() < 0.97 else rng.randint(21, 35)
            published = checked + dt.timedelta(days=delay)
            for code in task.item_codes:
                item = items[code]
                if status:
                    outcome = status
                else:
                    table = ITEM_OUTCOMES_PUBLICITY if item.is_publicity else ITEM_OUTCOMES_OTHER
                    outcome = weighted_choice(rng, table)
                disposal = weighted_choice(rng, DISPOSALS[outcome]) if outcome in DISPOSALS else ""
                inspections.append(Inspection(task, entity, item, outcome, disposal, checked, published))
    return inspections


ENTITY_LEVEL = (UNREACHABLE, UNCOOPERATIVE, NO_ACTIVITY, CANCELLED, CLOSING)
PUBLICITY_ONLY = (NOT_PUBLISHED, FALSE_INFO)
_ALL_PROBLEMS = (FIXED, PENDING, NOT_PUBLISHED, FALSE_INFO, UNREACHABLE, UNCOOPERATIVE, NO_ACTIVITY,
                 CANCELLED, CLOSING)
# Every wording variant must show up at least once in the file that uses it.
REQUIRED_OUTCOMES = {F_RES_SC_H1: _ALL_PROBLEMS, F_RES_SC_H2: _ALL_PROBLEMS,
                     F_RES_WJ: (FIXED, PENDING), F_RES_WL: (FIXED, PENDING)}


def ensure_outcomes(rng: Random, tasks: list[Task], inspections: list[Inspection]) -> None:
    """Turn a clean visit into each required outcome that chance left out of a file."""
    counts = entity_task_counts(tasks)
    visits: dict[tuple, list[Inspection]] = {}
    for ins in inspections:
        visits.setdefault((ins.task.task_id, ins.entity.code), []).append(ins)
    for file, required in REQUIRED_OUTCOMES.items():
        present = {i.outcome for i in inspections if result_file(i.task) == file}
        for outcome in (o for o in required if o not in present):
            candidates = [v for v in visits.values() if result_file(v[0].task) == file
                          and all(i.outcome == OK for i in v)
                          and (outcome not in PUBLICITY_ONLY or any(i.item.is_publicity for i in v))
                          and (outcome not in (CANCELLED, CLOSING) or counts[v[0].entity.code] == 1)]
            visit = rng.choice(candidates)
            if outcome in ENTITY_LEVEL:
                targets = visit
            else:
                targets = [next(i for i in visit if i.item.is_publicity or outcome not in PUBLICITY_ONLY)]
            for ins in targets:
                ins.outcome = outcome
                ins.disposal = weighted_choice(rng, DISPOSALS[outcome]) if outcome in DISPOSALS else ""


def outcome_text(file: str, inspection: Inspection) -> str:
    """The wording a given platform uses for an inspection's outcome."""
    if file == F_RES_SC_H2 and inspection.outcome == OK and inspection.item.is_publicity:
        return PUBLICITY_OK_H2
    return OUTCOME_WORDING[file][inspection.outcome]


# --------------------------------------------------------------------------------------
# Export rows, planted errors
# --------------------------------------------------------------------------------------


@dataclass
class Planted:
    """A deliberately broken cell."""

    code: str
    column: str
    note: str


@dataclass
class Row:
    """One data row of an export file, with the records behind it."""

    values: dict
    entity: Entity | None = None
    inspections: list[Inspection] = field(default_factory=list)
    planted: Planted | None = None
    protected: bool = False  # withheld / damaged-but-valid / duplicated rows are left alone
    note: str = ""


@dataclass
class ExportFile:
    """A result export: its rows, header, and how many lines precede the first data row."""

    path: str
    header: list[str]
    rows: list[Row]
    first_data_row: int
    code_column: str
    task_column: str

    def spreadsheet_row(self, row: Row) -> int:
        """The 1-based row number Excel shows for a data row."""
        return self.rows.index(row) + self.first_data_row


def excel_serial(day: dt.date) -> int:
    """Excel's 1900-system serial number of a date."""
    return (day - EXCEL_EPOCH).days


def chinese_date(day: dt.date) -> str:
    """``2024年9月3日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def slash_date(day: dt.date) -> str:
    """``2024/3/25``."""
    return f"{day.year}/{day.month}/{day.day}"


SC_H1_HEADER = ["序号", "抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查\n类型",
                "检查实施机关", "企业名称", "统一社会信用代码", "主体类型", "行政区划代码", "检查事项",
                "检查 结果", "后续处置", "检查完成日期", "公示日期", "经营者姓名", "身份证号", "手机号",
                "信用风险分类", "备注", "公示状态", "发现问题情况", "处置日期", "立案日期", "行政处罚决定书文号",
                "处罚决定日期", "处罚内容", "列入经营异常名录日期", "移出经营异常名录日期", "完结结果", "完结日期"]
SC_H2_HEADER = ["序号", "抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型", "抽查机关",
                "市场主体名称", "统一社会信用代码/注册号", "抽查事项", "抽查结果", "后续处置", "抽查完成日期",
                "公示日期", "备注"]
WJ_HEADER = ["抽查任务编号", "抽查任务名称", "检查机关", "企业名称", "统一社会信用代码（注册号）", "检查事项",
             "检查结果", "检查日期", "公示日期"]
WL_HEADER = ["抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型", "抽查单位", "检查对象名称",
             "信用代码", "检查事项", "检查结果", "后续处置", "检查时间", "公示日期"]


def joint_note(task: Task) -> str:
    """备注 text for joint tasks."""
    if not task.plan.partners:
        return ""
    partners = "、".join(DEPARTMENTS[p].name for p in task.plan.partners)
    return f"部门联合抽查（联合部门：{partners}）"


FOLLOW_UP_UNTIL = dt.date(2024, 11, 25)
"""No follow-up step of the demo is dated later: what would come after is still open."""
FINDINGS = {
    FIXED: "现场检查发现部分进货查验记录不完整，已当场责令改正",
    PENDING: "发现涉嫌违法经营线索，需进一步调查",
    NOT_PUBLISHED: "未按规定期限公示年度报告",
    FALSE_INFO: "年度报告公示的从业人数、资产状况与实际不符",
    UNREACHABLE: "通过登记的住所（经营场所）无法联系",
    UNCOOPERATIVE: "拒不提供检查所需的账簿和材料",
}


def follow_up(ins: Inspection, number: int) -> dict[str, object]:
    """The follow-up columns of a checked item (后续处置 → 立案/处罚/列异 → 完结).

    Drawn from a generator of its own, seeded by the row, so the rest of the demo data does
    not change with them; a step that would fall after :data:`FOLLOW_UP_UNTIL` stays open.
    """
    empty = dict.fromkeys(("发现问题情况", "处置日期", "立案日期", "行政处罚决定书文号", "处罚决定日期", "处罚内容",
                           "列入经营异常名录日期", "移出经营异常名录日期", "完结结果", "完结日期"), None)
    if not ins.disposal:
        return empty
    rng = Random(f"follow-up/{ins.task.task_id}/{ins.entity.code}/{ins.item.code}")
    steps: dict[str, object] = {**empty, "发现问题情况": FINDINGS.get(ins.outcome)}
    handled = ins.checked_on + dt.timedelta(days=rng.randint(1, 12))
    if handled > FOLLOW_UP_UNTIL:
        return steps
    steps["处置日期"] = handled
    closed, result = None, None
    if ins.disposal == "立案查处":
        steps["立案日期"] = handled
        decided = handled + dt.timedelta(days=rng.randint(20, 75))
        if decided <= FOLLOW_UP_UNTIL:
            steps["行政处罚决定书文号"] = f"示例市监处罚〔2024〕{number}号"
            steps["处罚决定日期"] = decided
            steps["处罚内容"] = rng.choice(("警告", "警告，罚款人民币 2000 元", "罚款人民币 5000 元，没收违法所得"))
            closed, result = decided + dt.timedelta(days=rng.randint(5, 30)), "处罚已执行，结案"
    elif ins.disposal == "列入经营异常名录":
        steps["列入经营异常名录日期"] = handled
        if rng.random() < 0.4:
            removed = handled + dt.timedelta(days=rng.randint(30, 120))
            steps["移出经营异常名录日期"] = removed if removed <= FOLLOW_UP_UNTIL else None
            closed, result = removed, "已补正并移出经营异常名录"
    elif rng.random() < 0.85:
        closed = handled + dt.timedelta(days=rng.randint(5, 40))
        result = "已整改到位" if ins.disposal == "责令整改" else "已移送，由接收部门处理"
    if closed is not None and closed <= FOLLOW_UP_UNTIL:
        steps["完结结果"], steps["完结日期"] = result, closed
    return steps


def rows_sc_h1(rng: Random, inspections: list[Inspection]) -> list[Row]:
    """One row per checked item; dates are date cells or bare Excel serial numbers."""
    rows = []
    for ins in inspections:
        task, entity = ins.task, ins.entity
        as_serial = rng.random() < 0.35
        date_value = excel_serial if as_serial else (lambda d: d)
        person = entity.operator
        rows.append(Row({
            "序号": None, "抽查计划编号": task.plan.plan_id, "抽查计划名称": task.plan.name,
            "抽查任务编号": task.task_id, "抽查任务名称": task.name, "抽查\n类型": task.check_type,
            "检查实施机关": task.lead.name, "企业名称": entity.name, "统一社会信用代码": entity.code,
            "主体类型": entity.entity_type, "行政区划代码": REGION_CODE, "检查事项": ins.item.name,
            "检查 结果": outcome_text(F_RES_SC_H1, ins), "后续处置": ins.disposal,
            "检查完成日期": date_value(ins.checked_on), "公示日期": date_value(ins.published_on),
            "经营者姓名": person.name if person else "", "身份证号": person.id_number if person else "",
            "手机号": person.phone if person else "", "信用风险分类": entity.risk,
            "备注": joint_note(task), "公示状态": "公示", **follow_up(ins, len(rows) + 1),
        }, entity, [ins]))
    return rows


def rows_sc_h2(rng: Random, inspections: list[Inspection]) -> list[Row]:
    """One row per entity per task; items and results joined by ``；`` in the same order."""
    rows, groups = [], {}
    for ins in inspections:
        groups.setdefault((ins.task.task_id, ins.entity.code), []).append(ins)
    for group in groups.values():
        first = group[0]
        task, entity = first.task, first.entity
        results = "；".join(outcome_text(F_RES_SC_H2, i) for i in group)
        if rng.random() < 0.15:
            results += "；"
        disposals = "；".join(dict.fromkeys(i.disposal for i in group if i.disposal))
        rows.append(Row({
            "序号": None, "抽查计划编号": task.plan.plan_id, "抽查计划名称": task.plan.name,
            "抽查任务编号": task.task_id, "抽查任务名称": task.name, "抽查类型": task.check_type,
            "抽查机关": task.lead.name, "市场主体名称": entity.name, "统一社会信用代码/注册号": entity.code,
            "抽查事项": "；".join(i.item.name for i in group), "抽查结果": results, "后续处置": disposals,
            "抽查完成日期": chinese_date(first.checked_on), "公示日期": chinese_date(first.published_on),
            "备注": joint_note(task),
        }, entity, group))
    return rows


def rows_wj(inspections: list[Inspection]) -> list[Row]:
    """Health bureau: no plan columns, dates as ``20240610``."""
    return [Row({
        "抽查任务编号": i.task.task_id, "抽查任务名称": i.task.name, "检查机关": i.task.lead.name,
        "企业名称": i.entity.name, "统一社会信用代码（注册号）": i.entity.code, "检查事项": i.item.name,
        "检查结果": outcome_text(F_RES_WJ, i), "检查日期": f"{i.checked_on:%Y%m%d}",
        "公示日期": f"{i.published_on:%Y%m%d}",
    }, i.entity, [i]) for i in inspections]


def rows_wl(inspections: list[Inspection]) -> list[Row]:
    """Culture and tourism bureau: ISO dates, 抽查单位 / 检查对象名称 / 信用代码 headers."""
    return [Row({
        "抽查计划编号": i.task.plan.plan_id, "抽查计划名称": i.task.plan.name, "抽查任务编号": i.task.task_id,
        "抽查任务名称": i.task.name, "抽查类型": i.task.check_type, "抽查单位": i.task.lead.name,
        "检查对象名称": i.entity.name, "信用代码": i.entity.code, "检查事项": i.item.name,
        "检查结果": outcome_text(F_RES_WL, i), "后续处置": i.disposal,
        "检查时间": i.checked_on.isoformat(), "公示日期": i.published_on.isoformat(),
    }, i.entity, [i]) for i in inspections]


def is_plain(row: Row, outcomes: tuple[str, ...] = (OK,), uscc_only: bool = True) -> bool:
    """A row safe to damage: untouched, (USCC-coded,) every item's outcome in ``outcomes``."""
    return (row.planted is None and not row.protected and row.entity is not None
            and (row.entity.has_uscc or not uscc_only)
            and all(i.outcome in outcomes for i in row.inspections))


def pick(rng: Random, export: ExportFile, predicate=lambda r: True, **plain) -> Row:
    """Choose a plain row (see ``is_plain``) matching ``predicate``."""
    candidates = [r for r in export.rows if is_plain(r, **plain) and predicate(r)]
    if not candidates:
        raise RuntimeError(f"no candidate row in {export.path}")
    return rng.choice(candidates)


def all_digit_uscc(row: Row) -> bool:
    """The entity's USCC is 18 digits (Excel would treat it as a number)."""
    return row.entity.code.isdigit()


def pick_code_row(rng: Random, export: ExportFile, predicate=lambda r: True, **plain) -> Row:
    """Pick a row whose code may be damaged: the entity keeps another, intact row in the task.

    That way every drawn entity still has a result with a valid code, and the damaged
    row is reported for its code only.
    """
    seen: dict[tuple, int] = {}
    for row in export.rows:
        key = (row.values[export.task_column], row.entity.code)
        seen[key] = seen.get(key, 0) + 1
    return pick(rng, export, lambda r: predicate(r)
                and seen[(r.values[export.task_column], r.entity.code)] > 1, **plain)


def plant_cell(row: Row, code: str, column: str, value, note: str) -> None:
    """Overwrite one cell and remember the planted error."""
    row.values[column] = value
    row.planted = Planted(code, column, note)


def plant_invalid_uscc(rng, export, column, _arg):
    """Change one character of a valid USCC so the check character fails."""
    row = pick_code_row(rng, export)
    code = row.entity.code
    pos = rng.randrange(8, 17)
    new_char = rng.choice([c for c in USCC_ALPHABET if c != code[pos]])
    damaged = code[:pos] + new_char + code[pos + 1:]
    assert not uscc.is_valid(damaged)
    plant_cell(row, "invalid-uscc-check", column, damaged,
               f"第{pos + 1}位由“{code[pos]}”误写为“{new_char}”，校验码不符（正确值 {code}）")


def plant_precision_loss(rng, export, column, _arg):
    """An all-digit USCC with its last three digits zeroed, as Excel does past 15 digits."""
    row = pick_code_row(rng, export,
                        lambda r: all_digit_uscc(r) and not uscc.is_valid(r.entity.code[:15] + "000"))
    damaged = row.entity.code[:15] + "000"
    plant_cell(row, "excel-precision-loss", column, damaged,
               f"纯数字代码被 Excel 当作数值，后三位变成 000（正确值 {row.entity.code}）")


def plant_scientific(rng, export, column, _arg):
    """An all-digit USCC shown in scientific notation."""
    row = pick_code_row(rng, export, all_digit_uscc)
    damaged = f"{int(row.entity.code):.5E}"
    plant_cell(row, "excel-scientific-notation", column, damaged,
               f"代码被 Excel 显示为科学计数法（正确值 {row.entity.code}）")


def plant_invalid_regno(rng, export, column, _arg):
    """A legacy 15-digit 注册号 whose check digit is wrong."""
    row = pick_code_row(rng, export, lambda r: not r.entity.has_uscc, uscc_only=False)
    code = row.entity.code
    wrong = str((int(code[-1]) + rng.randint(1, 9)) % 10)
    plant_cell(row, "invalid-regno-check", column, code[:-1] + wrong,
               f"15位注册号校验位应为 {code[-1]}，写成了 {wrong}")


def plant_invalid_date(rng, export, column, text):
    """An impossible calendar date in a date column."""
    plant_cell(pick(rng, export), "invalid-date", column, text, f"日期“{text}”不存在")


def plant_missing(rng, export, column, _arg):
    """A required cell left empty."""
    plant_cell(pick(rng, export), "missing-value", column, "", f"“{column}”为空")


def plant_unknown_outcome(rng, export, column, text):
    """A result wording that is no real 检查结果 (one part of a ``；``-joined cell)."""
    row = pick(rng, export)
    parts = row.values[column].split("；")
    index = rng.choice([n for n, part in enumerate(parts) if part])
    parts[index] = text
    plant_cell(row, "unknown-outcome", column, "；".join(parts), f"“{text}”不是规范的检查结果用语")


def plant_invalid_enum(rng, export, column, text):
    """A 后续处置 value outside the vocabulary, on a row that does need a disposal."""
    row = pick(rng, export, outcomes=(FIXED,))
    plant_cell(row, "invalid-enum", column, text,
               f"后续处置“{text}”不在规定取值（责令整改、立案查处、列入经营异常名录、移送有关部门、移送司法机关）中")


def plant_unknown_task(rng, export, column, task_id):
    """A copied row whose task number does not exist in the tasks file."""
    source = pick(rng, export)
    row = Row(copy.deepcopy(source.values), source.entity, source.inspections, protected=True)
    plant_cell(row, "unknown-task", column, task_id, f"抽查任务编号 {task_id} 在抽查任务文件中不存在")
    export.rows.insert(rng.randrange(len(export.rows)), row)


def plant_duplicate(rng, export, column, _arg):
    """The same task + entity + item row entered twice; the second copy is the error."""
    source = pick(rng, export)
    source.protected = True
    row = Row(copy.deepcopy(source.values), source.entity, source.inspections, protected=True)
    row.planted = Planted("duplicate-record", column, "与上一行重复（同一任务、同一主体、同一检查事项）")
    export.rows.insert(export.rows.index(source) + 1, row)


PLANTERS = {
    "invalid-uscc-check": plant_invalid_uscc,
    "excel-precision-loss": plant_precision_loss,
    "excel-scientific-notation": plant_scientific,
    "invalid-regno-check": plant_invalid_regno,
    "invalid-date": plant_invalid_date,
    "missing-value": plant_missing,
    "unknown-outcome": plant_unknown_outcome,
    "invalid-enum": plant_invalid_enum,
    "unknown-task": plant_unknown_task,
    "duplicate-record": plant_duplicate,
}

# file -> [(code, column, argument)]; "{code}" / "{task}" columns are resolved per file.
PLANT_PLAN = {
    F_RES_SC_H1: [
        ("invalid-uscc-check", "{code}", None),
        ("excel-precision-loss", "{code}", None),
        ("invalid-regno-check", "{code}", None),
        ("invalid-date", "检查完成日期", "2024-02-30"),
        ("missing-value", "企业名称", None),
        ("unknown-outcome", "检查 结果", "情况良好"),
        ("invalid-enum", "后续处置", "批评教育"),
        ("unknown-task", "{task}", f"{REGION_CODE}202404159001"),
        ("duplicate-record", "{code}", None),
    ],
    F_RES_SC_H2: [
        ("invalid-date", "抽查完成日期", "2024年13月2日"),
        ("missing-value", "抽查结果", None),
        ("unknown-outcome", "抽查结果", "情况良好"),
    ],
    F_RES_WJ: [
        ("invalid-uscc-check", "{code}", None),
        ("invalid-date", "检查日期", "20240631"),
        ("unknown-outcome", "检查结果", "基本合格"),
    ],
    F_RES_WL: [
        ("unknown-task", "{task}", f"{REGION_CODE}202409209002"),
        ("duplicate-record", "{code}", None),
        ("excel-scientific-notation", "{code}", None),
    ],
}


def plant_errors(rng: Random, export: ExportFile) -> None:
    """Apply the planted errors of PLANT_PLAN to one export file."""
    for code, column, arg in PLANT_PLAN[export.path]:
        column = column.format(code=export.code_column, task=export.task_column)
        PLANTERS[code](rng, export, column, arg)


def mark_withheld(rng: Random, export: ExportFile) -> None:
    """Two rows (one entity, one two-item task) are 不予公示: withheld, not errors."""
    groups: dict[tuple, list[Row]] = {}
    for row in export.rows:
        ins = row.inspections[0]
        groups.setdefault((ins.task.task_id, ins.entity.code), []).append(row)
    pairs = [g for g in groups.values() if len(g) == 2 and all(is_plain(r) for r in g)]
    for row in rng.choice(pairs):
        row.values.update({"公示状态": "不予公示", "检查 结果": OUTCOME_WORDING[F_RES_SC_H1][PENDING],
                           "后续处置": "立案查处", "备注": "案件正在调查，依法暂不公示"})
        row.protected = True
        row.note = "公示状态为“不予公示”（立案调查中）"


def damage_case_and_spaces(rng: Random, export: ExportFile) -> None:
    """Five codes lower-cased and/or padded with spaces: still valid once normalised."""
    shapes = (lambda c: c.lower(), lambda c: f" {c} ", lambda c: f"{c.lower()} ",
              lambda c: f"  {c}", lambda c: f" {c.lower()}")
    for shape in shapes:
        row = pick(rng, export, lambda r: any(ch.isalpha() for ch in r.entity.code))
        row.values[export.code_column] = shape(row.entity.code)
        row.protected = True
        row.note = f"代码写成“{row.values[export.code_column]}”（小写/首尾空格），规范化后有效，不是错误"


def number_rows(export: ExportFile) -> None:
    """Fill the 序号 column, if the file has one, after all insertions."""
    if "序号" in export.header:
        for n, row in enumerate(export.rows, 1):
            row.values["序号"] = n


def build_exports(rng: Random, inspections: list[Inspection]) -> list[ExportFile]:
    """Split inspections over the four result files and apply quirks and planted errors."""
    by_file: dict[str, list[Inspection]] = {f: [] for f in PLANT_PLAN}
    for ins in inspections:
        by_file[result_file(ins.task)].append(ins)
    exports = [
        ExportFile(F_RES_SC_H1, SC_H1_HEADER, rows_sc_h1(rng, by_file[F_RES_SC_H1]), 3,
                   "统一社会信用代码", "抽查任务编号"),
        ExportFile(F_RES_SC_H2, SC_H2_HEADER, rows_sc_h2(rng, by_file[F_RES_SC_H2]), 3,
                   "统一社会信用代码/注册号", "抽查任务编号"),
        ExportFile(F_RES_WJ, WJ_HEADER, rows_wj(by_file[F_RES_WJ]), 2,
                   "统一社会信用代码（注册号）", "抽查任务编号"),
        ExportFile(F_RES_WL, WL_HEADER, rows_wl(by_file[F_RES_WL]), 2, "信用代码", "抽查任务编号"),
    ]
    mark_withheld(rng, exports[0])
    damage_case_and_spaces(rng, exports[2])
    for export in exports:
        plant_errors(rng, export)
        number_rows(export)
    return exports


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str,
              title: str | None = None, newline: str = "\r\n") -> None:
    """Write a CSV file, optionally preceded by an Excel-style padded title line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if title is not None:
        writer.writerow([title] + [""] * (len(header) - 1))
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(path: Path, sheet_title: str, title: str, header: list[str], rows: list[list],
               widths: dict[str, int]) -> None:
    """Write a one-sheet workbook: merged title in row 1, header in row 2, text-typed codes."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in rows:
        ws.append([None if v == "" else v for v in values])
    for col, name in enumerate(header, 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(name, 12)
        for (cell,) in ws.iter_rows(min_row=3, min_col=col, max_col=col):
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.number_format = "@"
    ws.freeze_panes = "A3"
    wb.properties.creator = "gongkai make_demo_data.py"
    wb.properties.lastModifiedBy = "gongkai make_demo_data.py"
    wb.properties.created = FIXED_DATETIME
    wb.properties.modified = FIXED_DATETIME
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stable_zip(buffer.getvalue()))


def stable_zip(data: bytes) -> bytes:
    """Rewrite an XLSX zip with fixed member timestamps and a fixed dcterms:modified."""
    fixed = FIXED_DATETIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + fixed.encode() + rb"\g<2>", content)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, content)
    return out.getvalue()


def write_items(out: Path, items: dict[str, Item]) -> int:
    """抽查事项清单 as XLSX with a merged title row."""
    header = ["事项编码", "事项类别", "抽查领域", "抽查事项名称", "抽查子项", "检查对象", "检查方式", "检查主体",
              "抽查依据", "抽查内容", "所属行业", "备注"]
    rows = [[i.code, i.category, i.domain, i.name, i.sub_items, i.target, i.method, i.department,
             i.basis, i.content, i.industry, f"承办：{i.unit}"] for i in items.values()]
    widths = {"抽查事项名称": 36, "检查对象": 24, "检查方式": 24, "检查主体": 22, "抽查依据": 44, "抽查内容": 50}
    write_xlsx(out / F_ITEMS, "抽查事项清单", ITEMS_TITLE, header, rows, widths)
    return len(rows)


def write_plans(out: Path, plans: dict[int, Plan]) -> int:
    """年度抽查计划 as UTF-8 CSV with BOM."""
    header = ["抽查计划编号", "抽查计划名称", "年度", "制定部门", "计划层级", "计划类型", "抽查事项", "抽查对象范围",
              "抽查比例", "开始日期", "结束日期", "发布日期", "修订说明"]
    rows = [[p.plan_id, p.name, YEAR, DEPARTMENTS[p.lead].name, "县", p.plan_type, "；".join(p.item_codes),
             p.scope, p.ratio, p.start.isoformat(), p.end.isoformat(), p.published.isoformat(), p.revision]
            for p in plans.values()]
    write_csv(out / F_PLANS, header, rows, "utf-8-sig")
    return len(rows)


def task_methods(task: Task, items: dict[str, Item]) -> str:
    """Union of the task's item methods, in first-seen order."""
    methods = (m for code in task.item_codes for m in items[code].method.split("、"))
    return "、".join(dict.fromkeys(methods))


def write_tasks(out: Path, tasks: list[Task], items: dict[str, Item]) -> int:
    """抽查任务 as GBK CSV with ``2024/3/25`` dates."""
    header = ["抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型", "抽查事项", "抽查对象范围",
              "检查日期自", "检查日期至", "检查机关", "联合部门", "行政区划代码", "抽查对象总数", "抽查市场主体数量",
              "检查方式"]
    rows = [[t.plan.plan_id, t.plan.name, t.task_id, t.name, t.check_type, "、".join(t.item_codes),
             t.scope.label, slash_date(t.start), slash_date(t.end), t.lead.name,
             "、".join(DEPARTMENTS[p].name for p in t.plan.partners), REGION_CODE, len(t.population),
             len(t.drawn), task_methods(t, items)] for t in tasks]
    write_csv(out / F_TASKS, header, rows, "gbk")
    return len(rows)


def write_draws(out: Path, rng: Random, tasks: list[Task]) -> int:
    """抽取记录 as UTF-8 CSV (no BOM, LF line ends): drawn entities then two inspectors."""
    header = ["抽取批次编号", "序号", "抽查任务编号", "抽取时间", "抽取类型", "名录库总数", "名录摘要", "随机种子",
              "抽取算法", "统一社会信用代码", "企业名称", "信用风险分类", "执法人员编号", "执法人员姓名"]
    rows = []
    for task in tasks:
        drawn_at = f"{task.created} {9 + rng.randrange(2):02d}:{rng.randrange(60):02d}:00"
        common = [f"CQ-{task.task_id}", None, task.task_id, drawn_at]
        entity_digest = directory_digest([e.code for e in task.population])
        staff_digest = directory_digest([i.inspector_id for i in task.inspector_pool])
        batch = [common + ["检查对象", len(task.population), entity_digest, task.seed, DRAW_ALGORITHM,
                           e.code, e.name, e.risk, "", ""] for e in task.drawn]
        batch += [common + ["执法检查人员", len(task.inspector_pool), staff_digest, task.seed, DRAW_ALGORITHM,
                            "", "", "", i.inspector_id, i.name] for i in task.inspectors]
        for n, row in enumerate(batch, 1):
            row[1] = n
        rows += batch
    write_csv(out / F_DRAWS, header, rows, "utf-8", newline="\n")
    return len(rows)


XLSX_WIDTHS = {"抽查计划名称": 40, "抽查任务名称": 34, "检查实施机关": 22, "企业名称": 34, "统一社会信用代码": 22,
               "检查事项": 36, "检查 结果": 26, "检查完成日期": 12, "公示日期": 12, "身份证号": 20, "备注": 30}
RESULT_ENCODINGS = {  # path -> (encoding, title line, newline)
    F_RES_SC_H2: ("gb18030", RESULTS_TITLE, "\r\n"),
    F_RES_WJ: ("utf-8-sig", None, "\r\n"),
    F_RES_WL: ("utf-8", None, "\n"),
}


def write_results(out: Path, exports: list[ExportFile]) -> None:
    """Write the four result exports in their platform formats."""
    for export in exports:
        rows = [[row.values[h] for h in export.header] for row in export.rows]
        if export.path.endswith(".xlsx"):
            write_xlsx(out / export.path, "抽查结果", RESULTS_TITLE, export.header, rows, XLSX_WIDTHS)
        else:
            encoding, title, newline = RESULT_ENCODINGS[export.path]
            write_csv(out / export.path, export.header, rows, encoding, title, newline)


# --------------------------------------------------------------------------------------
# 合规手册 (handbook)
# --------------------------------------------------------------------------------------

# (行业, 章节编号, 章节标题, 对应抽查事项, 正文 (Markdown), 法律依据, 常见问题, 更新日期)
HANDBOOK = [
    ("餐饮服务", "CY-01", "证照公示与许可管理", item_codes("SC-003", "SC-005", "SC-011"),
     "餐饮服务提供者应当**先取得营业执照和食品经营许可证，再开展经营活动**。检查人员进店后首先核对证照。\n\n"
     "**需要在经营场所醒目位置悬挂或摆放：**\n\n"
     "- 营业执照正本（或电子营业执照展示码）；\n"
     "- 食品经营许可证正本，许可项目应覆盖实际经营的品种（热食类、冷食类、生食类、自制饮品等）；\n"
     "- 食品安全量化分级公示牌和投诉举报电话。\n\n"
     "通过外卖平台经营的，还应在网店首页公示营业执照和食品经营许可证，网店名称、地址应与许可证一致。\n\n"
     "许可证有效期届满需要继续经营的，应当在届满前**30个工作日**向原发证部门申请延续。",
     "《中华人民共和国食品安全法》第三十五条；《中华人民共和国市场主体登记管理条例》第三十六条；"
     "《网络餐饮服务食品安全监督管理办法》第四条",
     "许可证过期未延续；实际经营项目超出许可范围（如未许可冷食类却销售凉菜）；外卖网店公示的证照与实体店不一致",
     "2024-02-20"),
    ("餐饮服务", "CY-02", "从业人员健康与食品安全管理", item_codes("SC-006", "SC-007"),
     "从事接触直接入口食品工作的人员（厨师、切配、凉菜、备餐、传菜等）必须**每年进行健康检查，取得健康证明后方可上岗**。\n\n"
     "检查人员通常会：\n\n"
     "- 逐一核对在岗人员与健康证明，查看有效期；\n"
     "- 查阅**每日晨检记录**，患有发热、腹泻、手部化脓性伤口等情形的人员应调离接触直接入口食品的岗位；\n"
     "- 询问食品安全管理人员的职责，抽查其对本店关键环节的掌握情况。\n\n"
     "建议把健康证明复印件集中装订，到期前一个月安排复检；新招人员**先体检、后上岗**。",
     "《中华人民共和国食品安全法》第四十四条、第四十五条",
     "新入职人员未体检先上岗；晨检记录事后补写；食品安全管理人员不清楚自查要求",
     "2024-02-20"),
    ("餐饮服务", "CY-03", "原料采购与进货查验", item_codes("SC-009", "SC-010"),
     "采购食品、食品原料和食品添加剂时，应当**查验供货者的许可证和产品合格证明**，并如实记录。\n\n"
     "**进货查验记录至少包括**：名称、规格、数量、生产日期或批号、保质期、进货日期，以及供货者名称、地址和联系方式。"
     "记录和凭证保存期限不得少于产品保质期满后六个月；没有明确保质期的，不得少于二年。\n\n"
     "- 肉类应索取动物检疫合格证明；\n"
     "- 从固定供货商批量采购的，可签订供货协议并留存对方证照复印件；\n"
     "- 使用食品添加剂的，做到**专柜存放、专人负责、专用称量、专册记录**，并在店堂公示所用添加剂名称。",
     "《中华人民共和国食品安全法》第四十条、第五十条、第五十五条",
     "从农贸市场零散采购无票据；肉类缺少检疫证明；添加剂未专柜存放、无使用记录",
     "2024-02-20"),
    ("餐饮服务", "CY-04", "餐饮具清洗消毒", item_codes("SC-008", "WJ-006"),
     "餐具、饮具和盛放直接入口食品的容器，使用前应当**洗净、消毒**；炊具、用具用后应当洗净，保持清洁。\n\n"
     "1. 自行消毒的，应配备与经营规模相适应的消毒设施（消毒柜、热力消毒设备等），保证设施正常运转并填写消毒记录；\n"
     "2. 使用集中消毒餐饮具的，应**查验并留存**消毒单位的营业执照复印件和每批次消毒合格证明，"
     "包装上应标注消毒单位名称、地址、联系方式、消毒日期和保质期。\n\n"
     "检查人员会现场查看消毒设施是否通电可用、保洁柜是否专用，并抽取已消毒餐具核对记录。",
     "《中华人民共和国食品安全法》第三十三条、第五十六条、第五十八条",
     "消毒柜未通电或挪作他用；集中消毒餐饮具无合格证明；保洁柜内存放杂物",
     "2024-03-15"),
    ("餐饮服务", "CY-05", "燃气使用安全", item_codes("YJ-005"),
     "使用燃气的餐饮场所，应当**安装可燃气体报警装置并保障其正常使用**。\n\n"
     "- 瓶装液化石油气应从有资质的供应企业购买，气瓶不得存放在地下室、半地下室；\n"
     "- 定期检查燃气管道、软管和阀门，软管老化、超期应及时更换；\n"
     "- 后厨员工应掌握关阀、断气、报警和疏散的基本操作。\n\n"
     "部门联合检查时，应急管理部门会**现场测试报警装置**，并查看燃气设施检查记录。",
     "《中华人民共和国安全生产法》第三十六条",
     "未安装可燃气体报警装置或装置失效；气瓶与灶具间距不足；员工不会关闭总阀",
     "2024-03-15"),
    ("食品销售", "SX-01", "经营资质与证照公示", item_codes("SC-003", "SC-012"),
     "销售散装食品、冷藏冷冻食品或熟食的，应当**取得食品经营许可证**；仅销售预包装食品的，应当**办理备案**。\n\n"
     "- 营业执照、许可证或备案凭证应当在经营场所醒目位置公示；\n"
     "- 经营项目应与许可或备案一致，例如未许可散装熟食的，不得销售称重熟食；\n"
     "- 超市、便利店新增经营品种前，应先办理许可变更。\n\n"
     "检查时请准备好证照原件，便于检查人员核对。",
     "《中华人民共和国食品安全法》第三十五条；《中华人民共和国市场主体登记管理条例》第三十六条",
     "仅备案却销售散装熟食；营业执照未悬挂；许可证地址与实际经营地址不符",
     "2024-02-22"),
    ("食品销售", "SX-02", "进货查验与记录", item_codes("SC-013",),
     "食品经营者采购食品，应当**查验供货者的许可证和食品出厂检验合格证明或者其他合格证明**。\n\n"
     "**建议建立“一品一档”**：每个供货商一份证照复印件，每批次一份票据或随货同行单。\n\n"
     "- 进货查验记录应如实记录食品名称、规格、数量、生产日期或批号、保质期、进货日期和供货者信息；\n"
     "- 记录和凭证保存期限不得少于产品保质期满后六个月，没有明确保质期的不得少于二年；\n"
     "- 使用电子台账的，应能随时导出、打印供检查人员查阅。",
     "《中华人民共和国食品安全法》第五十三条",
     "只留存了进货单、没有供货者资质；台账记录不全或与实物不符；记录保存时间不足",
     "2024-02-22"),
    ("食品销售", "SX-03", "贮存与临近保质期食品管理", item_codes("SC-014",),
     "食品应当按照标签标示的条件贮存：**需冷藏、冷冻的必须在相应温度下存放**，并与非食品、有毒有害物品分开。\n\n"
     "- 定期检查库存食品，及时清理变质或者超过保质期的食品；\n"
     "- 临近保质期食品应当**集中陈列并显著提示**；\n"
     "- 冷柜应有温度显示，建议每日记录温度。\n\n"
     "检查人员常用做法是随机抽取货架商品查看保质期，发现一件过期食品即可能立案。",
     "《中华人民共和国食品安全法》第五十四条",
     "货架上有过期食品；冷藏食品常温存放；临期食品未做提示",
     "2024-02-22"),
    ("食品销售", "SX-04", "标签标识与监督抽检", item_codes("SC-015", "SC-016"),
     "预包装食品的包装上应当有标签，标明**名称、规格、净含量、生产日期、成分或配料表、生产者信息、保质期、"
     "贮存条件、生产许可证编号**等事项。进口预包装食品应当有中文标签。\n\n"
     "监督抽检由市场监管部门委托有资质的检验机构实施：\n\n"
     "1. 抽样时经营者应当配合，并在抽样单上签字；\n"
     "2. 收到不合格检验结论后，应立即停止销售、下架召回，并可在规定期限内申请复检；\n"
     "3. 抽检结果依法向社会公布。",
     "《中华人民共和国食品安全法》第六十七条、第七十一条、第八十七条",
     "进口食品无中文标签；散装食品未标明生产日期；抽检不合格后未及时下架",
     "2024-03-10"),
    ("药品零售", "YP-01", "药品经营许可与药师在岗", item_codes("SC-017",),
     "药品零售企业应当**持有有效的药品经营许可证**，并按规定配备依法经过资格认定的药师。\n\n"
     "- 药品经营许可证、营业执照应在营业场所显著位置悬挂；\n"
     "- 执业药师注册证书应公示，营业时间内**药师应在岗**，不在岗时应挂牌告知并停止销售处方药；\n"
     "- 经营范围、经营地址发生变化的，应先办理变更。",
     "《中华人民共和国药品管理法》第五十一条、第五十二条",
     "执业药师“挂证”不在岗；许可证经营范围与实际不符；连锁门店证照未更新",
     "2024-03-05"),
    ("药品零售", "YP-02", "购进验收与购销记录", item_codes("SC-018", "SC-021"),
     "药品必须**从具有合法资质的药品上市许可持有人或者药品经营企业购进**，并执行进货检查验收制度。\n\n"
     "**购销记录应注明**：药品通用名称、剂型、规格、产品批号、有效期、上市许可持有人、生产企业、购销单位、"
     "购销数量、购销价格、购销日期。\n\n"
     "兼营第二类医疗器械的，应当办理**经营备案**，并同样建立进货查验记录。",
     "《中华人民共和国药品管理法》第五十六条、第五十七条；《医疗器械监督管理条例》第四十一条、第四十五条",
     "从个人或无资质单位购进药品；验收记录缺批号或有效期；销售医疗器械未备案",
     "2024-03-05"),
    ("药品零售", "YP-03", "处方药销售与储存陈列", item_codes("SC-019", "SC-020"),
     "处方药应当**凭处方销售**，处方经药师审核后方可调配，处方留存备查。\n\n"
     "- 处方药与非处方药、药品与非药品**分区陈列**，并有明显标识；\n"
     "- 需冷藏的药品应存放在冷藏柜中，每日记录温湿度；\n"
     "- 拆零销售的药品应保留原包装和说明书。\n\n"
     "检查人员会随机抽取处方药销售记录，核对处方是否齐全。",
     "《中华人民共和国药品管理法》第五十八条、第五十九条",
     "无处方销售抗菌药物；冷藏药品常温存放；温湿度记录缺失",
     "2024-03-05"),
    ("住宿", "ZS-01", "卫生许可与从业人员健康", item_codes("WJ-001", "WJ-002"),
     "宾馆、旅馆、招待所等住宿场所应当**取得公共场所卫生许可证**，并在显著位置公示。\n\n"
     "- 直接为顾客服务的从业人员应**持有效健康合格证明上岗**，每年体检一次；\n"
     "- 建立卫生管理制度和卫生管理档案，配备专（兼）职卫生管理人员；\n"
     "- 从业人员应接受卫生知识培训。",
     "《公共场所卫生管理条例》第七条、第八条",
     "卫生许可证过期；服务员无健康证明；卫生管理档案缺失",
     "2024-03-12"),
    ("住宿", "ZS-02", "公共用品用具清洗消毒", item_codes("WJ-003",),
     "床单、被套、枕套、毛巾、浴巾和茶具等公共用品用具应当**一客一换一消毒**。\n\n"
     "1. 设置专用的清洗消毒间和清洁物品库房，清洁与污染物品分开存放；\n"
     "2. 如实填写清洗消毒记录；委托洗涤的，留存洗涤单位资质和交接记录；\n"
     "3. 按规定对室内空气和公共用品用具进行卫生检测，并公示检测结果。",
     "《公共场所卫生管理条例实施细则》第十四条、第十九条",
     "茶具未消毒直接更换；无清洗消毒记录；未开展年度卫生检测",
     "2024-03-12"),
    ("住宿", "ZS-03", "明码标价与电梯安全", item_codes("SC-022", "SC-027"),
     "住宿经营者应当在前台显著位置**公示各类客房价格**，网络预订页面的价格应与店内一致。\n\n"
     "- 不得在标价之外加价收费，不得收取任何未予标明的费用；\n"
     "- 使用电梯的，应当办理**特种设备使用登记**，在检验合格有效期内使用，并将检验合格标志置于显著位置；\n"
     "- 配备电梯安全管理人员，与有资质的维保单位签订维保合同。",
     "《中华人民共和国价格法》第十三条；《明码标价和禁止价格欺诈规定》第五条；"
     "《中华人民共和国特种设备安全法》第三十三条、第四十条",
     "旺季临时涨价未更新价目表；电梯检验过期；维保记录不全",
     "2024-04-02"),
    ("娱乐场所", "YL-01", "经营许可与未成年人保护", item_codes("WL-001", "WL-002", "WL-006"),
     "歌舞娱乐场所、游艺娱乐场所应当**取得娱乐经营许可证**；互联网上网服务营业场所应当取得网络文化经营许可证。\n\n"
     "- 歌舞娱乐场所**不得允许未成年人进入**，应在显著位置设置未成年人禁入标志；\n"
     "- 上网服务场所应**核对、登记上网消费者的有效身份证件**，不得接纳未成年人；\n"
     "- 许可证载明的场所地址、面积、包厢数量发生变化的，应先办理变更。",
     "《娱乐场所管理条例》第九条、第二十三条；《中华人民共和国未成年人保护法》第五十八条；"
     "《互联网上网服务营业场所管理条例》第二十一条、第二十三条",
     "未悬挂未成年人禁入标志；上网登记代刷身份证；擅自增加包厢",
     "2024-03-08"),
    ("娱乐场所", "YL-02", "内容管理与营业日志", item_codes("WL-003", "WL-004"),
     "娱乐场所使用的歌曲、影像和游戏，**不得含有法律法规禁止的内容**，曲库更新应留存来源记录。\n\n"
     "- 建立**营业日志**，记载营业期间从业人员的工作职责、工作时间和工作地点；\n"
     "- 建立**巡查制度**，发现违法犯罪活动及时报告；\n"
     "- 营业日志应保存60日备查。",
     "《娱乐场所管理条例》第十三条、第二十五条、第二十六条",
     "点播系统存在违规曲目；营业日志缺记；巡查记录与监控不符",
     "2024-03-08"),
    ("娱乐场所", "YL-03", "卫生管理与明码标价", item_codes("WJ-004", "WJ-005", "SC-023"),
     "歌舞厅等场所属于公共场所，应当建立**卫生管理制度和档案**，按规定开展室内空气质量等卫生检测。\n\n"
     "- 包厢费、酒水、小吃应**明码标价**，价目表放在包厢内或吧台显著位置；\n"
     "- 不得在标价之外加价收取服务费、开瓶费等未标明的费用；\n"
     "- 话筒、杯具等公共用品应定期清洗消毒。",
     "《公共场所卫生管理条例实施细则》第七条、第十九条；《中华人民共和国价格法》第十三条",
     "包厢内无价目表；加收未标明的服务费；未开展空气质量检测",
     "2024-04-10"),
    ("加油站", "JY-01", "危险化学品经营许可与安全生产", item_codes("YJ-001", "YJ-002", "YJ-003", "YJ-004"),
     "加油站经营汽油、柴油属于危险化学品经营，应当**取得危险化学品经营许可证**并在有效期内经营。\n\n"
     "- 建立**全员安全生产责任制**，主要负责人和安全管理人员应经考核合格；\n"
     "- 从业人员上岗前接受安全生产教育和培训，建立培训档案；\n"
     "- 制定生产安全事故应急预案，**每年至少组织一次演练**，并做好记录；\n"
     "- 卸油、加油作业严格执行操作规程，站内严禁烟火。",
     "《危险化学品安全管理条例》第三十三条；《中华人民共和国安全生产法》第二十二条、第二十八条、第八十一条",
     "经营许可证过期；培训档案不全；应急演练仅有方案无记录",
     "2024-04-05"),
    ("加油站", "JY-02", "加油机计量", item_codes("SC-024",),
     "加油机属于**强制检定的计量器具**，应当按期向法定计量检定机构申请检定。\n\n"
     "- 检定合格标志应粘贴在加油机显著位置，**铅封完好**；\n"
     "- 不得擅自拆改加油机计量部件或编码器；\n"
     "- 检查时计量人员会用标准量器现场核验加油误差。",
     "《中华人民共和国计量法》第九条",
     "检定合格标志过期；铅封破损；加油误差超出允许范围",
     "2024-04-05"),
    ("加油站", "JY-03", "油品质量与明码标价", item_codes("SC-025", "SC-026"),
     "加油站销售的车用汽油、柴油应当**符合国家标准**，并保留每批次油品的进货凭证和质量检验报告。\n\n"
     "- 油品价格应当在站内显著位置**明码标价**，调价后及时更新；\n"
     "- 配合监督抽检，抽检不合格的油品应立即停止销售；\n"
     "- 不得销售无来源凭证的油品。",
     "《中华人民共和国产品质量法》第十五条；《中华人民共和国价格法》第十三条",
     "缺少批次质量报告；价格牌未随调价更新；油品硫含量不合格",
     "2024-04-05"),
]


def write_handbook(out: Path, items: dict[str, Item]) -> int:
    """合规手册 as UTF-8 CSV with BOM; 正文 is Markdown with embedded line breaks."""
    for industry, section, _title, codes, *_ in HANDBOOK:
        wrong = [c for c in codes if items[c].industry not in (industry, "综合")]
        if wrong:
            raise ValueError(f"{section}: items {wrong} belong to another industry")
    header = ["行业", "章节编号", "章节标题", "对应抽查事项", "正文", "法律依据", "常见问题", "更新日期"]
    rows = [[ind, sec, title, "；".join(codes), body, basis, problems, updated]
            for ind, sec, title, codes, body, basis, problems, updated in HANDBOOK]
    write_csv(out / F_HANDBOOK, header, rows, "utf-8-sig")
    return len(rows)


F_REPLIES = f"{EXPORTS}/企业说明与回访_2024.csv"
REPLIES = (
    ("异议", "我店已在检查前办结相关手续，请核实", "经核查，检查时相关手续尚未办结，异议不成立，维持原结果"),
    ("企业说明", "已按要求完成整改，并建立了进货查验台账", "已复查，整改到位"),
    ("回访", "", "回访时经营正常，问题未再发生"),
)


def write_replies(out: Path, exports: list[ExportFile]) -> int:
    """企业说明与回访: an objection, a statement and a follow-up visit on published problem rows.

    The enterprise's contact person and phone are in the export, as the platform keeps them,
    and are withheld by the schema.
    """
    rows = []
    candidates = [r for r in exports[0].rows if r.inspections and not r.protected and not r.planted
                  and r.inspections[0].disposal in ("立案查处", "责令整改")]
    for number, ((kind, text, response), row) in enumerate(zip(REPLIES, candidates[::40]), 1):
        ins = row.inspections[0]
        replied = ins.published_on + dt.timedelta(days=5 * number)
        rows.append([ins.task.task_id, ins.entity.code, ins.entity.name, ins.item.name, kind, text,
                     replied.isoformat(), response, (replied + dt.timedelta(days=7)).isoformat(),
                     "王经理", f"1390000{number:04d}"])
    header = ["抽查任务编号", "统一社会信用代码", "企业名称", "检查事项", "类型", "说明内容", "说明日期",
              "处理结果", "答复日期", "联系人", "联系电话"]
    write_csv(out / F_REPLIES, header, rows, "utf-8-sig")
    return len(rows)


# --------------------------------------------------------------------------------------
# planted_errors.json and README.md
# --------------------------------------------------------------------------------------


def planted_list(exports: list[ExportFile]) -> list[dict]:
    """Every planted error as ``{file, row, column, code}`` plus a note, in file order."""
    found = []
    for export in exports:
        for row in export.rows:
            if row.planted:
                found.append({"file": export.path, "row": export.spreadsheet_row(row),
                              "column": row.planted.column, "code": row.planted.code,
                              "note": row.planted.note})
    return sorted(found, key=lambda p: (p["file"], p["row"]))


def write_planted_json(out: Path, planted: list[dict]) -> None:
    """data/planted_errors.json (without the human notes)."""
    records = [{k: p[k] for k in ("file", "row", "column", "code")} for p in planted]
    (out / "planted_errors.json").write_text(
        json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def md_cell(text) -> str:
    """Make a value safe inside a Markdown table cell."""
    return str(text).replace("\n", "\\n").replace("|", "\\|")


def md_table(header: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def noted_rows(exports: list[ExportFile]) -> list[list]:
    """Rows that look odd but are deliberately valid (withheld, damaged-but-normalisable)."""
    return [[e.path, e.spreadsheet_row(r), r.note] for e in exports for r in e.rows
            if r.note and not r.planted]


def write_readme(out: Path, stats: dict, planted: list[dict], exports: list[ExportFile]) -> None:
    """data/README.md: what every file is, and every planted and noted row."""
    files = md_table(["文件", "内容", "格式与特点", "数据行数"], [
        [F_ITEMS, "抽查事项清单", "XLSX；第1行为合并标题，第2行为表头；事项编码如 SJ-SC-001", stats["items"]],
        [F_PLANS, "年度抽查计划", "UTF-8 带 BOM；抽查事项以“；”分隔；计划编号14位（区划码+年度+序号）", stats["plans"]],
        [F_TASKS, "抽查任务", "GBK 编码；日期为 2024/3/25；抽查事项以“、”分隔；任务编号18位", stats["tasks"]],
        [F_DRAWS, "抽取记录", "UTF-8 无 BOM、LF 换行；每个任务一批：检查对象若干行 + 执法检查人员2行",
         stats["draws"]],
        [F_RES_SC_H1, "市场监管局上半年检查结果（每个检查事项一行）",
         "XLSX；合并标题行；表头含换行（抽查\\n类型）和多余空格（检查 结果）；日期有的是日期单元格、有的是 Excel 序列号；"
         "含经营者姓名、身份证号、手机号、信用风险分类等不得公开的字段；“公示状态”列", stats[F_RES_SC_H1]],
        [F_RES_SC_H2, "市场监管局下半年检查结果（每个主体每个任务一行）",
         "GB18030 编码；首行为标题；抽查事项、抽查结果以“；”分隔且一一对应（有时末尾多一个“；”）；"
         "后续处置为去重后以“；”连接的处置方式；日期为 2024年9月3日；含一个 GBK 无法编码的生僻字（䶮）",
         stats[F_RES_SC_H2]],
        [F_RES_WJ, "卫健局检查结果", "UTF-8 带 BOM；无计划编号列；日期为 20240610", stats[F_RES_WJ]],
        [F_RES_WL, "文旅局检查结果", "UTF-8 无 BOM；日期为 2024-03-25", stats[F_RES_WL]],
        [F_HANDBOOK, "一业一查合规手册", "UTF-8 带 BOM；正文为 Markdown（单元格内含换行）", stats["handbook"]],
    ])
    errors = md_table(["文件", "行号", "列", "错误代码", "说明"],
                      [[p["file"], p["row"], p["column"], p["code"], p["note"]] for p in planted])
    noted = md_table(["文件", "行号", "说明"], noted_rows(exports))
    text = f"""# 示例数据（虚构数据，仅供演示）

> **本目录中的全部数据均为虚构数据，仅供演示。** 县名“{COUNTY}”、所有企业、个体工商户、人员姓名、
> 身份证号、手机号、统一社会信用代码、检查结果均为程序随机生成，与任何真实主体无关；如有雷同，纯属巧合。
>
> *English: everything in this directory is synthetic demo data generated by `scripts/make_demo_data.py`;
> no real business, person or inspection is described.*

这些文件模拟一个县级市场监管部门（及卫健、文旅、应急部门）在 {YEAR} 年“双随机、一公开”工作中从各平台导出的文件夹。
行政区划代码借用真实的 GB/T 2260 代码（山西省 {PROVINCE_CODE}、忻州市 {CITY_CODE}、忻府区 {REGION_CODE}），
县名虚构为“{COUNTY}”。抽查依据中的法律条文仅为示例，请以现行有效文本为准。

重新生成（结果逐字节一致）：

```
python scripts/make_demo_data.py --out data/
```

## 文件

{files}

检查结果记录（一个任务 × 一个主体 × 一个检查事项为一条，下半年文件按“；”拆分后计数）共 **{stats["records"]}** 条；
其中约 {stats["regno_share"]:.1%} 的记录使用15位旧版注册号而不是统一社会信用代码。
同一主体可出现在多个任务中（{stats["multi_task_entities"]} 个主体被抽中两次及以上）。

## 编码与标识说明

- 统一社会信用代码按 GB 32100-2015 计算校验码；第9–17位的组织机构代码按 GB 11714 计算校验码。
  主体类型：`91…` 企业，`92…` 个体工商户，`93…` 农民专业合作社。
- 15位注册号第15位为 ISO 7064 MOD 11,10 校验码。
- 身份证号为虚构号码，但校验码正确；手机号为虚构号码。
- 抽取算法 `{DRAW_ALGORITHM}`：对名录库中每个主体代码（或执法人员编号）计算 `sha256(随机种子 + ":" + 代码)` 的十六进制值，
  升序排列后取前 n 个；`名录摘要` 为名录库全部代码升序排列、以换行连接后的 SHA-256。
- 联合任务的结果由牵头部门录入，检查机关填写牵头部门。
- 下半年文件中，信息公示类事项的“未发现问题”使用旧措辞“正常（符合信息公示相关规定）”；
  各文件还分别使用“发现问题已责令改正/发现问题经责令已改正”“公示信息隐瞒真实情况弄虚作假/公示信息隐瞒真实情况、弄虚作假”
  “不配合检查情节严重/不予配合情节严重”等不同措辞。
- 个体工商户的经营者姓名、身份证号、手机号只出现在上半年 XLSX 中，属于不得公开的个人信息；
  信用风险分类（上半年 XLSX 和抽取记录中）是内部信息，不得按企业公开；执法人员姓名是否公开由部门配置决定。
- 事项清单中“所属行业”为“综合”的事项（信息公示、登记事项）适用于所有行业，合规手册没有单独的“综合”章节。

## 故意植入的错误行（共 {len(planted)} 处）

行号为 Excel 中显示的行号（从1开始，包括标题行和表头行）。机器可读版本见 `planted_errors.json`。

{errors}

说明：被改坏代码的行，其主体在抽取记录中保留正确代码；`unknown-task` 行是复制的一行，只改了任务编号；
`duplicate-record` 的第一次出现是正常行，第二次出现才是错误。

## 看似异常但不是错误的行

{noted}

“不予公示”的行是依法暂不公示的结果，发布时应当隐去，但不属于数据错误；大小写或首尾空格被破坏的代码经规范化（去空格、转大写）后有效。
"""
    (out / "README.md").write_text(text, encoding="utf-8")


def corpus_stats(tasks: list[Task], exports: list[ExportFile], inspections: list[Inspection],
                 counts: dict) -> dict:
    """Numbers quoted in the README."""
    stats = dict(counts)
    for export in exports:
        stats[export.path] = len(export.rows)
    stats["records"] = len(inspections)
    stats["regno_share"] = sum(not i.entity.has_uscc for i in inspections) / len(inspections)
    stats["multi_task_entities"] = sum(1 for n in entity_task_counts(tasks).values() if n > 1)
    return stats


# --------------------------------------------------------------------------------------
# Verifiable draws made with gongkai (issue 6): data/draws/
# --------------------------------------------------------------------------------------

DRAWS_DIR = "draws"
PRIVATE_DIR = REPO_ROOT / "demo" / "private"
"""Where the demo regulator's private draw inputs go: never inside data/, which is published."""
DRAW_SECRET = b"gongkai-demo-secret-NOT-for-real-use-0001"
"""The demo regulator's secret (salts, strata order, pseudonyms). Public here because the
demo is synthetic: a real secret is kept by the regulator and never put in data/."""
DRAND_DEFAULT = "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
DRAND_GENESIS, DRAND_PERIOD = 1595431050, 30
CST = dt.timezone(dt.timedelta(hours=8))
EXPERTISE = ("食品安全", "药品", "价格", "特种设备", "信息公示")
# (plan seq, scope, items, ratios per risk class, created MM-DD, expertise, mode)
# mode: "drand" | "redraw" (first attempt voided, then a later round) | "rfc3797" (public numbers)
VERIFIABLE_TASKS = [
    (1, "餐饮", ("SC-005", "SC-007", "SC-009"), {"A": 0.03, "B": 0.05, "C": 0.10, "D": 0.20}, "11-04",
     "食品安全", "drand", "餐饮服务食品安全（可验证抽取）"),
    (1, "食品销售", ("SC-012", "SC-013", "SC-015"), {"A": 0.05, "B": 0.05, "C": 0.10, "D": 0.25}, "11-11",
     "食品安全", "redraw", "食品销售环节食品安全（可验证抽取）"),
    (3, "药品", ("SC-017", "SC-018"), {"A": 0.10, "B": 0.10, "C": 0.20, "D": 0.30}, "11-18",
     "药品", "rfc3797", "药品零售企业（可验证抽取，RFC 3797）"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST).isoformat()


def _drand_source(moment: str) -> dict:
    """The first drand mainnet round after ``moment``."""
    seconds = int(dt.datetime.fromisoformat(moment).timestamp())
    round_ = (seconds - DRAND_GENESIS) // DRAND_PERIOD + 2
    return {"kind": "drand", "chain_hash": DRAND_DEFAULT, "genesis_time": DRAND_GENESIS,
            "period": DRAND_PERIOD, "round": round_}


def _drand_value(source: dict) -> dict:
    """A fictional drand round value, consistent as drand's are (randomness = SHA-256(signature))."""
    signature = "".join(sha256_hex(f"gongkai-demo-drand|{source['round']}|{i}") for i in range(3))
    return {"round": source["round"], "randomness": hashlib.sha256(bytes.fromhex(signature)).hexdigest(),
            "signature": signature, "note": "虚构示例值，不是 drand 的真实输出"}


def write_population(private: Path, entities: list[Entity]) -> Path:
    """检查对象名录 (targets): every entity with its internal 信用风险分类; a few 注销."""
    path = private / "检查对象名录_2024.csv"
    rows = [[e.name, e.code, e.entity_type, e.industry,
             "注销" if int(sha256_hex(e.code), 16) % 45 == 0 else "存续", e.risk] for e in entities]
    write_csv(path, ["企业名称", "统一社会信用代码", "主体类型", "所属行业", "登记状态", "信用风险分类"],
              rows, "utf-8-sig")
    return path


def write_inspector_list(private: Path, inspectors: dict[str, list[Inspector]], recusals: dict[str, list[str]]) -> Path:
    """执法检查人员名录 with 执法资质 and 回避对象 (JSON: inputs only, never published)."""
    rows = []
    for pool in inspectors.values():
        for n, person in enumerate(pool):
            rows.append({"inspector_id": person.inspector_id, "name": person.name, "department": person.department,
                         "expertise": [EXPERTISE[n % len(EXPERTISE)], EXPERTISE[(n + 1) % len(EXPERTISE)]],
                         "recusals": recusals.get(person.inspector_id, [])})
    path = private / "执法检查人员名录_2024.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def write_verifiable_tasks(out: Path, tasks: list[Task], items: dict[str, Item]) -> None:
    """The tasks drawn with gongkai, as their own 抽查任务 export (UTF-8 with BOM)."""
    header = ["抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型", "抽查事项", "抽查对象范围",
              "检查日期自", "检查日期至", "检查机关", "行政区划代码", "抽查对象总数", "抽查市场主体数量", "检查方式"]
    rows = [[t.plan.plan_id, t.plan.name, t.task_id, t.name, t.check_type, "、".join(t.item_codes), t.scope.label,
             t.start.isoformat(), t.end.isoformat(), t.lead.name, REGION_CODE, len(t.population), len(t.drawn),
             task_methods(t, items)] for t in tasks]
    write_csv(out / DRAWS_DIR / "抽查任务_2024_可验证抽取.csv", header, rows, "utf-8-sig")


def _run_draw(out: Path, spec, strata, excluded, committed_at: str, reveal_by: str, source: dict,
              mode: str, at: dt.date, hour: int) -> dict:
    """Commit, (void and re-announce), reveal and write one draw's files; returns the receipt."""
    from generator.draws.commitment import (
        draws_table_rows,
        dump,
        first_attempt,
        make_commitment,
        make_receipt,
        make_reveal,
        void_attempt,
        write_draw_files,
        write_draws_csv,
    )

    folder = out / DRAWS_DIR / spec.draw_id
    commitment = dump(make_commitment(spec, strata, excluded, DRAW_SECRET, source, committed_at, reveal_by))
    attempts = [first_attempt(json.loads(commitment))]
    if mode == "redraw":
        voided_at = _at(at, hour, 20)
        source = _drand_source(voided_at)
        attempts = void_attempt(attempts, f"第 {attempts[0]['source']['round']} 轮 drand 随机数因网络中断未能按时取得，"
                                "经负责人批准改用登记后的下一轮", voided_at, source)
    if source["kind"] == "drand":
        value, revealed_at = _drand_value(source), _at(at, hour, 35)
    else:
        value, revealed_at = {"numbers": [[3, 9, 14, 21, 27, 30], [11], [4, 7, 1]]}, _at(at + dt.timedelta(days=1), 9)
    reveal = dump(make_reveal(commitment, attempts, value, revealed_at))
    receipt_doc = make_receipt(commitment, reveal, strata, DRAW_SECRET)
    write_draw_files(folder, {"commitment.json": commitment, "reveal.json": reveal,
                              "receipt.json": dump(receipt_doc)})
    write_draws_csv(folder / "抽取记录.csv", draws_table_rows(json.loads(commitment), receipt_doc))
    return receipt_doc


def write_private_readme(private: Path) -> None:
    """demo/private/README.md: what these files are, and that they are never published."""
    (private / "README.md").write_text("""# 演示用的监管部门内部抽取输入（不公开）

本文件夹由 `scripts/make_demo_data.py` 生成，是演示数据中**监管部门自己保管、不得公开**的抽取输入：

| 文件 | 内容 |
|---|---|
| 检查对象名录_2024.csv | 检查对象名录：全部主体，含内部的信用风险分类和个体工商户经营者字号 |
| 执法检查人员名录_2024.json | 执法检查人员名录：姓名、执法资质、回避对象 |
| 演示密钥.key | 演示用密钥（盐值、分层顺序、化名都由它派生）；真实密钥由监管部门保管 |

它们只用于 `gongkai draw commit/reveal/salt`，**不得放进 `data/`**：`data/` 中的文件会被
`gongkai validate/build` 读入并公开（名录会作为“检查对象名录”出现在数据质量报告中）。
公开的只有 `data/draws/` 中的承诺、揭示记录、回执和抽取记录表。例如，告知某一主体它自己的盐值：

    gongkai draw salt data/draws/GK-140902202411041039-D --member 统一社会信用代码 --secret-file demo/private/演示密钥.key

These are the demo regulator's private draw inputs (population with risk classes, inspector list,
secret). They are never published and must never be put in data/.
""", encoding="utf-8")
    (private / "演示密钥.key").write_bytes(DRAW_SECRET + b"\n")


def write_verifiable_draws(out: Path, plans: dict[int, Plan], items: dict[str, Item], earlier: list[Task],
                           entities: list[Entity], inspectors: dict[str, list[Inspector]],
                           private: Path = PRIVATE_DIR) -> dict:
    """Tasks of late 2024 drawn with gongkai's verifiable draw (targets, then inspectors).

    Uses no shared random state (the rest of the corpus is unchanged by it): the population
    and inspector list are written as the regulator's private inputs into ``private`` (never
    into ``out``, which is published), then each draw is committed to a future drand
    round (or, RFC 3797 style, to public lottery numbers), revealed with a fictional value
    and written as commitment, reveal and receipt files plus a 抽取记录 table.
    """
    from generator.draws import verify_draw as vd
    from generator.draws.commitment import INSPECTORS_KIND, DrawSpec, build_strata
    from generator.draws.population import (
        inspector_members,
        read_inspectors,
        read_population,
        target_members,
    )

    private.mkdir(parents=True, exist_ok=True)
    write_private_readme(private)
    population_path = write_population(private, entities)
    population = read_population(population_path)
    tasks, targets_receipts, specs = [], {}, {}
    for seq, (plan_seq, scope_key, shorts, ratios, created, expertise, mode, topic) in enumerate(VERIFIABLE_TASKS, 1039):
        created_on = parse_md(created)
        codes = item_codes(*shorts)
        task = Task(f"{REGION_CODE}{created_on:%Y%m%d}{seq}", plans[plan_seq], f"{YEAR}年{topic}",
                    SCOPES[scope_key], codes, 0.0, created_on, created_on + dt.timedelta(days=3),
                    created_on + dt.timedelta(days=25))
        checked = {e.code for t in earlier if set(t.item_codes) & set(codes) for e in t.drawn}
        spec = DrawSpec(task_id=task.task_id, draw_id=f"GK-{task.task_id}-D", ratios=ratios,
                        industries=list(task.scope.industries),
                        exclude={code: "本年度已就同一事项检查" for code in sorted(checked)},
                        algorithm=vd.RFC3797_ALGORITHM if mode == "rfc3797" else vd.RANK_ALGORITHM)
        members, excluded = target_members(population, spec)
        strata = build_strata(members, spec, DRAW_SECRET)
        committed_at = _at(created_on, 9)
        if mode == "rfc3797":
            source = {"kind": "public-numbers", "available_at": _at(created_on, 21, 30),
                      "sources": [f"中国福利彩票双色球 {YEAR}年第{135 + seq - 1039}期开奖号码（红球6个）",
                                  "同期蓝球号码", f"福彩3D {YEAR}年第{310 + seq - 1039}期开奖号码"]}
        else:
            source = _drand_source(_at(created_on, 10))
        receipt = _run_draw(out, spec, strata, excluded, committed_at, _at(created_on + dt.timedelta(days=2), 18),
                            source, mode, created_on, 10)
        targets_receipts[task.task_id] = receipt
        task.population = members
        task.drawn = [m for s in receipt["strata"] for m in s["drawn"]]
        specs[task.task_id] = (created_on, expertise, mode)
        tasks.append(task)
    write_verifiable_tasks(out, tasks, items)
    # 回避: the first SC inspector with matching expertise is related to a firm drawn in each task.
    recusals: dict[str, list[str]] = {}
    sc_pool = inspectors["SC"]
    for task in tasks:
        _, expertise, _ = specs[task.task_id]
        person = next(p for n, p in enumerate(sc_pool) if expertise in (EXPERTISE[n % 5], EXPERTISE[(n + 1) % 5]))
        recusals.setdefault(person.inspector_id, []).append(task.drawn[0]["id"])
    inspector_rows = read_inspectors(write_inspector_list(private, inspectors, recusals))
    for task in tasks:
        created_on, expertise, mode = specs[task.task_id]
        spec = DrawSpec(task_id=task.task_id, draw_id=f"GK-{task.task_id}-R", kind=INSPECTORS_KIND,
                        counts={"*": 2}, departments=[task.lead.name], expertise=[expertise])
        drawn_targets = {m["id"] for m in task.drawn}
        members, excluded = inspector_members(inspector_rows, spec, DRAW_SECRET, drawn_targets)
        strata = build_strata(members, spec, DRAW_SECRET)
        day = created_on + dt.timedelta(days=1) if mode == "rfc3797" else created_on
        hour = 11
        source = _drand_source(_at(day, hour))
        _run_draw(out, spec, strata, excluded, _at(day, hour - 1, 30), _at(day + dt.timedelta(days=2), 18),
                  source, "drand", day, hour)
    _append_draws_readme(out, tasks)
    return {"verifiable_tasks": len(tasks), "verifiable_draws": 2 * len(tasks)}


def _append_draws_readme(out: Path, tasks: list[Task]) -> None:
    """A section of data/README.md on the verifiable draws."""
    ids = "、".join(t.task_id for t in tasks)
    text = f"""
## 可验证抽取（gongkai draw）

`draws/` 中是 2024 年 11 月用 gongkai 可验证抽取方式完成的 {len(tasks)} 个任务（{ids}），尚无检查结果：

| 路径 | 内容 |
|---|---|
| draws/抽查任务_2024_可验证抽取.csv | 这 {len(tasks)} 个任务 |
| draws/GK-<任务编号>-D/ | 检查对象抽取：commitment.json、reveal.json、receipt.json、抽取记录.csv |
| draws/GK-<任务编号>-R/ | 执法检查人员抽取（化名公布） |

第一个任务用 drand 主网的未来轮次；第二个任务的第一次抽取因“随机数未能按时取得”登记作废后改用下一轮，
作废记录保留在 reveal.json 中（作废时那一轮的随机数没有取得、没有记录，所以重抽有效；随机数已记录后不能再作废）；第三个任务用 RFC 3797 方式的公开号码。**drand 轮次的随机数和彩票号码都是虚构的示例值**
（reveal.json 中注明），不是真实输出。

抽取的输入——含内部信用风险分类的检查对象名录、执法检查人员名录和演示密钥——是监管部门自己保管的，
**不在 data/ 中**（data/ 中的一切都会被读入并公开），而在仓库根目录的 `demo/private/`（由同一脚本生成）。
算法与威胁模型见 `docs/draws.md`。
"""
    with (out / "README.md").open("a", encoding="utf-8") as handle:
        handle.write(text)


# --------------------------------------------------------------------------------------
# Reconciliation cases for the statistics (逾期未公示) and follow-up dates
# --------------------------------------------------------------------------------------

OVERDUE_SEED = SEED + 7  # its own generator: every other random choice stays as it was
F_PLANTED_OVERDUE = "planted_overdue.json"
OVERDUE_BEFORE = dt.date(YEAR, 8, 1)  # tasks ended long before the data's as-of date
DISPOSAL_DATE_COLUMN = "处置日期"
LATE_DISPOSAL_SHARE = 0.12


def plant_overdue(exports: list[ExportFile], tasks: list[Task], inspections: list[Inspection]) -> list[dict]:
    """Plant the cases the 逾期未公示 list must show, and nothing else.

    * three drawn enterprises (two of the market bureau's first half, one of the health
      bureau) lose every result row: drawn, never published, long past the deadline;
    * one enterprise gets results in a culture-bureau task that never drew it.

    Rows are only removed or appended at the end, so planted errors keep their meaning.
    """
    rng = Random(OVERDUE_SEED)
    by_path = {e.path: e for e in exports}
    planted = []
    for path, count in ((F_RES_SC_H1, 2), (F_RES_WJ, 1)):
        export = by_path[path]
        groups: dict[tuple, list[Row]] = {}
        for row in export.rows:
            ins = row.inspections[0]
            groups.setdefault((ins.task.task_id, ins.entity.code), []).append(row)
        candidates = [
            key for key, rows in groups.items()
            if rows[0].inspections[0].task.end < OVERDUE_BEFORE
            and all(is_plain(r, uscc_only=False) and not r.note for r in rows)
        ]
        for key in rng.sample(sorted(candidates), count):
            gone = set(map(id, groups[key]))
            export.rows = [r for r in export.rows if id(r) not in gone]
            lost = {id(i) for r in groups[key] for i in r.inspections}
            inspections[:] = [i for i in inspections if id(i) not in lost]
            entity = groups[key][0].entity
            planted.append({"kind": "drawn-not-published", "file": path, "task_id": key[0],
                            "uscc": entity.code, "entity_name": entity.name})
        number_rows(export)
    export = by_path[F_RES_WL]
    wl_tasks = sorted({r.inspections[0].task.task_id for r in export.rows})
    chosen = rng.choice(wl_tasks)
    task = next(t for t in tasks if t.task_id == chosen)
    drawn = {e.code for e in task.drawn}
    others = sorted({r.entity.code: r.entity for r in export.rows
                     if r.entity.code not in drawn and r.entity.has_uscc}.items())
    entity = rng.choice(others)[1]
    template = next(r for r in export.rows if r.inspections[0].task is task and is_plain(r))
    copies = [r for r in export.rows if r.inspections[0].task is task
              and r.entity is template.entity and not r.planted]
    for row in copies:
        values = dict(row.values, 检查对象名称=entity.name, 信用代码=entity.code)
        added = [replace(i, entity=entity) for i in row.inspections]
        inspections.extend(added)
        export.rows.append(Row(values, entity, added, protected=True,
                               note="抽取记录中没有该主体（用于核对“检查结果没有对应的抽取记录”）"))
    planted.append({"kind": "result-without-draw", "file": F_RES_WL, "task_id": task.task_id,
                    "uscc": entity.code, "entity_name": entity.name})
    return sorted(planted, key=lambda p: (p["kind"], p["task_id"], p["uscc"]))


def add_disposal_dates(exports: list[ExportFile]) -> None:
    """Give the culture bureau's and the market bureau's second-half exports a 处置日期 column.

    Most follow-ups are entered within 20 calendar days of the check (so within 20 working
    days); about one in eight 40 to 60 days later, which the statistics count as late.
    """
    rng = Random(OVERDUE_SEED + 1)
    for path, disposal, checked in ((F_RES_WL, "后续处置", "检查时间"),
                                    (F_RES_SC_H2, "后续处置", "抽查完成日期")):
        export = next(e for e in exports if e.path == path)
        export.header = [*export.header, DISPOSAL_DATE_COLUMN]
        for row in export.rows:
            row.values[DISPOSAL_DATE_COLUMN] = None
            if not row.values.get(disposal) or row.planted or not row.inspections:
                continue
            day = max(i.checked_on for i in row.inspections)
            delay = rng.randint(40, 60) if rng.random() < LATE_DISPOSAL_SHARE else rng.randint(1, 20)
            late = day + dt.timedelta(days=delay)
            row.values[DISPOSAL_DATE_COLUMN] = (late.isoformat() if path == F_RES_WL
                                                else chinese_date(late))


def write_planted_overdue(out: Path, planted: list[dict]) -> None:
    """data/planted_overdue.json, and a section of data/README.md about it."""
    (out / F_PLANTED_OVERDUE).write_text(
        json.dumps(planted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    rows = [[p["kind"], p["file"], p["task_id"], p["uscc"], p["entity_name"]] for p in planted]
    section = f"""
## 故意植入的公示核对问题（共 {len(planted)} 处）

统计页面的“逾期未公示”清单应当恰好列出这些情况（机器可读版本见 `{F_PLANTED_OVERDUE}`）：
`drawn-not-published` 为已抽中、但导出文件中没有任何检查结果的主体（任务早已结束）；
`result-without-draw` 为有检查结果、但该任务的抽取记录中没有的主体。
此外，文旅局和市场监管局下半年的检查结果有“处置日期”列，约八分之一的后续处置在检查后 40–60 天才录入。

{md_table(["类型", "文件", "抽查任务编号", "统一社会信用代码", "企业名称"], rows)}
"""
    readme = out / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + section, encoding="utf-8")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def generate(out: Path, private: Path = PRIVATE_DIR) -> dict:
    """Generate the whole corpus into ``out`` and return summary statistics."""
    rng = Random(SEED)
    items = build_items()
    plans = build_plans()
    tasks = build_tasks(plans, items)
    names = NameFactory(rng)
    entities = build_entities(rng, names)
    inspectors = build_inspectors(names)
    run_draws(rng, tasks, entities, inspectors)
    give_rare_name(rng, tasks)
    inspections = build_inspections(rng, tasks, items)
    ensure_outcomes(rng, tasks, inspections)
    exports = build_exports(rng, inspections)
    overdue = plant_overdue(exports, tasks, inspections)
    add_disposal_dates(exports)

    counts = {
        "items": write_items(out, items),
        "plans": write_plans(out, plans),
        "tasks": write_tasks(out, tasks, items),
        "draws": write_draws(out, rng, tasks),
        "handbook": write_handbook(out, items),
    }
    write_results(out, exports)
    counts["replies"] = write_replies(out, exports)
    planted = planted_list(exports)
    write_planted_json(out, planted)
    stats = corpus_stats(tasks, exports, inspections, counts)
    write_readme(out, stats, planted, exports)
    write_planted_overdue(out, overdue)
    stats["planted"] = len(planted)
    stats.update(write_verifiable_draws(out, plans, items, tasks, entities, inspectors, private))
    stats["planted_overdue"] = len(overdue)
    write_settings(out)
    return stats


DEMO_SETTINGS = """\
# 示例县的站点设置（说明见 generator/core/settings.py）。
# 发布机关登记的月报表、工作总结报送日期：“工作进度”页据此判断是否按时报送；
# 没有登记的期限显示为“未登记”。
duties:
  monthly_report:
    submitted:
      "2024-03": 2024-04-17
      "2024-04": 2024-05-20
      "2024-05": 2024-06-19
      "2024-06": 2024-07-23
      "2024-07": 2024-08-16
      "2024-08": 2024-09-20
      "2024-09": 2024-10-18
  work_summary:
    submitted:
      2024-04-01: 2024-03-29
      2024-06-20: 2024-06-24
      2024-10-01: 2024-09-27
"""


def write_settings(out: Path) -> None:
    """gongkai.yml: the 月报表 and 工作总结 the office says it handed in, one of them late, and
    the October report left unrecorded, so that 工作进度 shows every status."""
    (out / "gongkai.yml").write_text(DEMO_SETTINGS, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data",
                        help="output directory (default: data/ in the repository root)")
    parser.add_argument("--private", type=Path, default=PRIVATE_DIR,
                        help="where the regulator's private draw inputs go (default: demo/private/)")
    args = parser.parse_args(argv)
    stats = generate(args.out, args.private)
    for key, value in stats.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
