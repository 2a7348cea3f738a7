"""Every finding rule, as data: its slug, its title, the document and the sentence it rests on,
and the policy key that switches it on (None: the national baseline, in force everywhere).

This is the one home of what a rule says; answers carry it (``source``), docs/rules.md cites
it, and a test checks that every rule here and every policy key has its entry there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["RULES", "Rule"]


@dataclass(frozen=True)
class Rule:
    slug: str
    title_zh: str
    title_en: str
    document: str
    quote: str
    key: str | None  # the policy key that switches it on; None for the national baseline

    def describe(self) -> dict[str, Any]:
        return {"document": self.document, "quote": self.quote, "national": self.key is None}


_ZAOZHUANG_VETO = (
    "凡在上级督导检查中发现存在重大隐患且未及时整治到位的，凡是存在非法生产经营建设行为未及时发现和有效制止的，"
    "凡是发生较大及以上事故或造成较大负面影响典型事故的，都要严肃追究企业（单位）相关责任人责任，"
    "对相关街道和区有关部门实行安全生产“一票否决”。"
)
_LINYI_RANKING = (
    "对四季度执法评估排名倒数第 1 的县区进行警示；排名倒数后 2 名的县区和行业主管部门，在全市点评大会上做表态发言；"
    "排名后 10 位的乡镇，由市安委会领导约谈党政主要负责人。"
)
_LINYI_580 = (
    "实行“580”清零制度：“5”，即每月 25 号统一分类汇总各县区、各科室单位提交的各类问题隐患；"
    "“8”，即每月 28 日组织专家和有关科室进行会商研判；“0”，即每月 30 号召开专题会议，挂牌督办，限期清零。"
)
_LANSHAN_THREE = (
    "凡是存在重大隐患的生产经营单位一律依法责令停产停业整顿、凡是存在重大隐患拒不整改的生产经营单位一律依法提请县级政府予以关闭、"
    "凡是在关停整改期间违法组织生产的企业负责人一律依法追究责任。"
)
_REGULATION = "《生产安全事故报告和调查处理条例》（国务院令第493号）"

_ALL: Final = (
    Rule(
        "illegal_sites.dismissal",
        "非法违法生产窝点未有效制止，乡镇、县级政府主要负责人和分管负责人撤职",
        "Illegal sites found and not stopped: dismissal of the government's principal and deputy in charge",
        "临沂 2019 方案 二(四)（引山东省委、省政府规定）",
        "严格执行省委、省政府关于“乡镇辖区一个月内发现1处、县级辖区一个月内发现2处非法企业且没有采取有效制止措施的，"
        "对乡镇、县级政府主要负责人和分管负责人一律撤职”的规定。",
        "illegal_sites_dismissal",
    ),
    Rule(
        "exam.removal",
        "应急管理系统监管行业领域生产经营单位负责人考试不合格，不得继续担任现职",
        "A head of a business supervised by the emergency-management system failed the exam: may not stay in post",
        "临沂 2019 方案 二(五)3",
        "应急管理系统监管行业领域生产经营单位负责人考试不合格的，一律不得继续担任现职",
        "exam_failure_removal",
    ),
    Rule(
        "exam.removal_proposed",
        "其他重点行业领域生产经营单位负责人考试不合格，函告主管部门和属地党委政府，提出解除职务建议",
        "A head of a business in another key industry failed the exam: removal proposed to the supervisor",
        "临沂 2019 方案 二(五)3",
        "其他重点行业领域生产经营单位负责人考试不合格的，一律函告主管部门单位和属地党委政府，提出解除职务的建议",
        "exam_failure_removal",
    ),
    Rule(
        "ranking.county_warning",
        "四季度执法评估排名倒数第1的县区，予以警示",
        "Bottom county of the fourth-quarter enforcement evaluation: warned",
        "临沂 2019 方案 二(一)3",
        _LINYI_RANKING,
        "ranking",
    ),
    Rule(
        "ranking.county_statement",
        "四季度执法评估排名倒数后2名的县区，在全市点评大会上做表态发言",
        "Bottom counties of the fourth-quarter evaluation: a statement at the city's review meeting",
        "临沂 2019 方案 二(一)3",
        _LINYI_RANKING,
        "ranking",
    ),
    Rule(
        "ranking.department_statement",
        "四季度执法评估排名倒数后2名的行业主管部门，在全市点评大会上做表态发言",
        "Bottom departments of the fourth-quarter evaluation: a statement at the city's review meeting",
        "临沂 2019 方案 二(一)3",
        _LINYI_RANKING,
        "ranking",
    ),
    Rule(
        "ranking.township_interview",
        "四季度执法评估排名后10位的乡镇，由市安委会领导约谈党政主要负责人",
        "Bottom townships of the fourth-quarter evaluation: their party and government heads interviewed",
        "临沂 2019 方案 二(一)3",
        _LINYI_RANKING,
        "ranking",
    ),
    Rule(
        "veto.major_hazard",
        "上级督导检查发现重大隐患且未及时整治到位，对相关街道和部门实行一票否决",
        "A major hazard found by a higher inspection and not rectified in time: one-vote veto",
        "枣庄 2021 通知 六",
        _ZAOZHUANG_VETO,
        "veto_grades",
    ),
    Rule(
        "veto.illegal_production",
        "非法生产经营建设行为未及时发现和有效制止，对相关街道和部门实行一票否决",
        "Illegal production not found and stopped in time: one-vote veto",
        "枣庄 2021 通知 六",
        _ZAOZHUANG_VETO,
        "veto_grades",
    ),
    Rule(
        "veto.accident",
        "发生较大及以上事故，对相关街道和部门实行一票否决",
        "A 较大 or worse accident: one-vote veto",
        "枣庄 2021 通知 六",
        _ZAOZHUANG_VETO,
        "veto_grades",
    ),
    Rule(
        "accident_investigation.level",
        "事故调查级别低于规定",
        "Accident investigated below the level its grade (or an elevating policy) requires",
        "条例 第十九条（蓝山 2019 方案 四(七) 提级调查）",
        f"{_REGULATION}第十九条：特别重大事故由国务院或者国务院授权有关部门组织事故调查组进行调查。"
        "重大事故、较大事故、一般事故分别由事故发生地省级人民政府、设区的市级人民政府、县级人民政府负责调查。",
        None,
    ),
    Rule(
        "accident_investigation.report_overdue",
        "事故调查报告逾期未提交",
        "Accident investigation report overdue",
        "条例 第二十九条",
        f"{_REGULATION}第二十九条：事故调查组应当自事故发生之日起60日内提交事故调查报告；特殊情况下，"
        "经负责事故调查的人民政府批准，提交事故调查报告的期限可以适当延长，但延长的期限最长不超过60日。",
        None,
    ),
    Rule(
        "repeat_penalties.closure",
        "存在重大事故隐患，180日内三次或一年内四次受到行政处罚，予以关闭",
        "A unit with a major hazard given administrative penalties 3 times in 180 days or 4 in a year: closure",
        "安全生产法（2021）第一百一十三条",
        "《中华人民共和国安全生产法》第一百一十三条：生产经营单位存在下列情形之一的，负有安全生产监督管理职责的部门应当"
        "提请地方人民政府予以关闭，有关部门应当依法吊销其有关证照。……（一）存在重大事故隐患，一百八十日内三次或者一年内四次"
        "受到本法规定的行政处罚的；",
        None,
    ),
    Rule(
        "three_musts.suspension",
        "存在重大隐患的生产经营单位，一律责令停产停业整顿（三个一律）",
        "A unit with a major hazard: ordered to suspend (三个一律)",
        "蓝山 2019 方案 四(五)",
        _LANSHAN_THREE,
        "major_hazard_requires_suspension",
    ),
    Rule(
        "three_musts.closure",
        "存在重大隐患拒不整改的生产经营单位，一律提请县级政府予以关闭（三个一律）",
        "A unit refusing to rectify a major hazard: closure proposed to the county (三个一律)",
        "蓝山 2019 方案 四(五)",
        _LANSHAN_THREE,
        "major_hazard_requires_suspension",
    ),
    Rule(
        "three_musts.producing_while_suspended",
        "关停整改期间违法组织生产，追究企业负责人责任（三个一律）",
        "Production organised while suspended: the principal held accountable (三个一律)",
        "蓝山 2019 方案 四(五)",
        _LANSHAN_THREE,
        "major_hazard_requires_suspension",
    ),
    Rule(
        "580.collection",
        "“580”清零：每月25日前未提交问题隐患",
        "The 580 cycle: a county did not submit its hazards by the 25th",
        "临沂 2019 方案 二(六)2",
        _LINYI_580,
        "cycle_580",
    ),
    Rule(
        "580.listing",
        "“580”清零：每月30日专题会议后重大隐患仍未挂牌督办（市应急管理局）",
        "The 580 cycle: a major hazard still open and not listed after the city's meeting of the 30th",
        "临沂 2019 方案 二(六)2",
        _LINYI_580,
        "cycle_580",
    ),
    Rule(
        "fatal_accident.sanctions",
        "发生生产安全亡人事故的企业，未责令停产整顿、取消标准化等级、暂扣或吊销安全生产许可证",
        "A fatal accident without suspension, loss of the standardization grade and licence suspension or revocation",
        "临汾 2020 通知 三(三)1(7)",
        "对发生生产安全亡人事故的企业,一律责令停产整顿,取消标准化等级,依法依规暂扣或吊销安全生产许可证",
        "fatal_accident_sanctions",
    ),
)

RULES: Final[dict[str, Rule]] = {rule.slug: rule for rule in _ALL}
