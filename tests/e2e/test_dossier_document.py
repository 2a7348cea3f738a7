"""The dossier as an official document (issue 12.4): laid out after GB/T 9704 (issuing body,
number, title, 成文日期, 第 N 页 共 M 页, an issuer line), Chinese throughout, Beijing time in
one format, the investigation's determinations and the sanctions that followed, no row twice,
every font embedded; the workbook with Chinese headers, widths, filters and real numbers.

The PDF is read back with poppler-utils (pdftotext, pdffonts), as a reviewer's machine would."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dossier import build_dossier
from ledger.catalogue import EVENT_TYPES
from ledger.labels import LABELS
from ops.bootstrap import open_notary
from ops.config import Settings
from tests.projections.support import ledger_with, sample_events

SUBJECTS = ("accident:ACC-2019-0001", "hazard:HZ-2019-0003", "unit:91371311MA3F9L3Z2C@2019Q4", "person:P-9L3Z2C-GM")
ISSUER = "临沂市应急管理局"
#: one format for every instant: 2019年11月20日 14:05
BEIJING = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is needed to read the PDF back: apt-get install poppler-utils (ops/setup-env.sh does)")
    return found


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import asyncio

    tmp = tmp_path_factory.mktemp("documents")

    async def build() -> dict[str, Path]:
        async with ledger_with(f"sqlite:///{tmp / 'ledger.db'}", sample_events()) as (store, _runner):
            notary = open_notary(store, Settings(signing_key=str(tmp / "k")))
            return {
                s.split(":")[0]: await build_dossier(store, s, tmp / "out", notary=notary, issuer=ISSUER)
                for s in SUBJECTS
            }

    return asyncio.run(build())


def _text(directory: Path, layout: bool = True) -> str:
    """The PDF's text: laid out as on the page, or in reading order (each table cell whole)."""
    mode = ["-layout"] if layout else []
    return _run(_tool("pdftotext"), *mode, str(directory / "dossier.pdf"), "-")


@pytest.mark.parametrize("kind", ["accident", "hazard", "unit", "person"])
def test_every_font_is_embedded(dossiers: dict[str, Path], kind: str) -> None:
    """The PDF renders on a machine without any CJK font: every font is an embedded subset."""
    lines = _run(_tool("pdffonts"), str(dossiers[kind] / "dossier.pdf")).splitlines()[2:]
    assert lines
    for line in lines:
        columns = line.split()
        emb, sub = columns[-5], columns[-4]
        assert (emb, sub) == ("yes", "yes"), line


@pytest.mark.parametrize("kind", ["accident", "hazard", "unit", "person"])
def test_the_first_page_and_every_page_read_as_an_official_document(dossiers: dict[str, Path], kind: str) -> None:
    """Issuing body, number, title and what the dossier holds on page one; 第 N 页 共 M 页 on
    every page; the signature with the 成文日期 and the record line at the end."""
    pages = _text(dossiers[kind]).split("\f")
    pages = [p for p in pages if p.strip()]
    first = pages[0]
    assert ISSUER in first.splitlines()[0] or ISSUER in first[:200]
    assert "档案编号：" in first
    assert "本档案不含个人信息" in first
    assert "北京时间" in first
    for number, page in enumerate(pages, 1):
        assert f"第 {number} 页 共 {len(pages)} 页" in page
    last = pages[-1]
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日印发", last)
    assert f"签发：{ISSUER}" in last


def test_the_accident_dossier_says_everything_in_chinese_and_beijing_time(dossiers: dict[str, Path]) -> None:
    text = _text(dossiers["accident"])
    flat = re.sub(r"\s+", "", _text(dossiers["accident"], layout=False))  # a cell's words, wrapped
    assert "关于临沂罗庄永盛冶金有限公司“11·20”较大事故的责任追溯档案" in flat
    # the determinations and the sanctions that followed
    for words in ("直接责任", "监管责任", "属地监管不到位", "停产停业整顿", "约谈", "迟报30分钟", "上报设区的市级"):
        assert words in flat, words
    # no code reaches the reader: every labelled code and event type stays out of the text
    codes = {code for vocabulary in LABELS.values() for code in vocabulary} | set(EVENT_TYPES)
    found = set(re.findall(r"[a-z_]+(?:\.[a-z_]+)?", text))
    assert not (codes & found) - {"ledger", "verify"}, codes & found
    # times: one format, Beijing time, never UTC or an offset
    assert BEIJING.search(text)
    assert not re.search(r"\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|\+08:00)", text)
    assert "14:05" in text  # 2019-11-20T06:05Z, the accident, read in Beijing time


def test_no_row_of_the_chain_is_listed_twice(dossiers: dict[str, Path]) -> None:
    """A covering work group's members are listed once, under the tier it covers."""
    text = re.sub(r"\s+", "", _text(dossiers["accident"], layout=False))
    assert text.count("组长（包县区督导工作组一组）") == 1


@pytest.mark.parametrize("kind", ["accident", "hazard", "unit", "person"])
def test_the_workbook_speaks_chinese_with_numbers_as_numbers(dossiers: dict[str, Path], kind: str) -> None:
    book = load_workbook(dossiers[kind] / "evidence.xlsx")
    assert book.sheetnames[0] == "档案"
    for sheet in book.worksheets:
        header = [cell.value for cell in sheet[1]]
        assert all(isinstance(h, str) and re.search(r"[\u4e00-\u9fff]", h) for h in header), (sheet.title, header)
        assert sheet.auto_filter.ref == sheet.dimensions
        assert sheet.freeze_panes == "A2"
        for index in range(1, len(header) + 1):
            letter = sheet.cell(row=1, column=index).column_letter
            assert sheet.column_dimensions[letter].width >= 8
    evidence = book["证据清单"]
    columns = [cell.value for cell in evidence[1]]
    rows = list(evidence.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(r[columns.index("位置")], int) for r in rows)
    assert all(isinstance(r[columns.index("发生时间")], datetime) for r in rows)
    assert evidence.cell(row=2, column=columns.index("发生时间") + 1).number_format == "yyyy-mm-dd hh:mm"


def test_the_accident_workbook_keeps_figures_as_numbers(dossiers: dict[str, Path]) -> None:
    overview = {row[0]: row[1] for row in load_workbook(dossiers["accident"] / "evidence.xlsx")["概况"].values}
    assert overview["死亡人数"] == 3
    assert overview["重伤人数"] == 2
    assert overview["直接经济损失"] == 4_200_000
    assert overview["发生时间"] == datetime(2019, 11, 20, 14, 5)
    sheets = load_workbook(dossiers["accident"] / "evidence.xlsx").sheetnames
    assert {"责任链", "事故报告", "责任认定", "处理处罚", "时间线", "证据清单", "名称依据", "签名与验证"} <= set(sheets)
