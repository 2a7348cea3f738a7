"""The closed vocabularies of SPEC §4–§6, as data.

Each tuple is the allowed set of a data field; the schema (``schema.py``) refers to them and
the HTTP layer turns them into OpenAPI ``enum`` lists. Chinese terms are the notices' own.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACCIDENT_REPORT_STAGES",
    "ADMINISTRATIVE_PENALTY_KINDS",
    "EVALUATION_SCOPES",
    "EXCLUSIVE_ROLES",
    "GOVERNMENT_SANCTION_KINDS",
    "GOVERNMENT_UNIT_KINDS",
    "HAZARD_SEVERITIES",
    "HAZARD_SOURCES",
    "INDUSTRIES",
    "INSPECTION_KINDS",
    "INVESTIGATION_LEVELS",
    "REPORT_KINDS",
    "RESPONSIBILITIES",
    "RISK_LEVELS",
    "ROLES",
    "SANCTION_KINDS",
    "SUPERVISION_LEVELS",
    "UNIT_CLOSURE_REASONS",
    "UNIT_KINDS",
    "UNIT_SANCTION_KINDS",
    "VISIT_PURPOSES",
]

#: 行政区划 and the bodies that carry duty; ``dev_zone`` (开发区) ranks with a county
UNIT_KINDS: Final = (
    "province",
    "city",
    "county",
    "dev_zone",
    "township",
    "village",
    "enterprise",
    "department",
    "work_group",
    "committee",
)
#: every kind but ``enterprise``: the sanctions "for people and units in government" apply
GOVERNMENT_UNIT_KINDS: Final = tuple(k for k in UNIT_KINDS if k != "enterprise")

#: SPEC §4's list and the 行业领域 the notices name
#: (工贸: 冶金、有色、建材、机械、轻工、纺织、烟草、商贸)
INDUSTRIES: Final = (
    "coal_mine",
    "non_coal_mine",
    "hazardous_chemicals",
    "fireworks",
    "metallurgy",
    "nonferrous",
    "building_materials",
    "machinery",
    "light_industry",
    "textile",
    "tobacco",
    "commerce",
    "construction",
    "road_transport",
    "water_transport",
    "fire_safety",
    "special_equipment",
    "gas",
    "power",
    "education",
    "health",
    "tourism",
    "other",
)

#: red/orange/yellow/blue = 重大/较大/一般/低风险
RISK_LEVELS: Final = ("red", "orange", "yellow", "blue")

ROLES: Final = (
    "covers",  # 包保
    "principal",  # 主要负责人
    "deputy_in_charge",  # 分管负责人
    "territorial",  # 属地管理责任人
    "industry_supervisor",  # 行业监管责任人
    "group_leader",
    "group_deputy",
    "group_member",
    "stationed_expert",  # 驻企专家
    "duty_officer",  # 值班/带班
    "dispatcher",  # 总调度人
    "lead_official",  # 牵头领导
    # 党委书记: under 党政同责 a township, county or city has two heads, the party secretary
    # and the head of government (``principal``: 乡镇长/县长/市长)
    "party_secretary",
)
#: one holder at a time per target (and, for industry supervision, per industry)
EXCLUSIVE_ROLES: Final = frozenset({"principal", "party_secretary", "territorial", "industry_supervisor"})

HAZARD_SEVERITIES: Final = ("general", "major")
HAZARD_SOURCES: Final = (
    "self_check",
    "department_check",
    "inspection",
    "covert_visit",
    "expert_checkup",
    "public_report",
)
#: 挂牌督办 levels
SUPERVISION_LEVELS: Final = ("county", "city", "province")

INSPECTION_KINDS: Final = (
    "enforcement",
    "supervision",
    "covert",  # 四不两直
    "expert_checkup",
    "joint",
    "cross_region",
    "off_site",
)

ACCIDENT_REPORT_STAGES: Final = ("initial", "written", "detailed")
INVESTIGATION_LEVELS: Final = ("county", "city", "province", "state")
RESPONSIBILITIES: Final = ("direct", "leadership", "supervisory", "management")

#: sanctions on an enterprise (生产经营单位)
UNIT_SANCTION_KINDS: Final = (
    "admonition",  # 警示 (not a penalty: 约谈警示, 警示教育)
    "warning",  # 警告, an administrative penalty (行政处罚法 第9条)
    "interview",  # 约谈
    "fine",
    "max_fine",  # 顶格处罚
    "suspension",  # 停产整顿
    "closure",  # 关闭取缔
    "blacklist",
    "license_suspended",
    "license_revoked",
    "standardization_revoked",
)
#: sanctions on people and on units in government
GOVERNMENT_SANCTION_KINDS: Final = (
    "admonition",  # 警示 (临沂 2019 方案 二(一)3: the bottom county 进行警示)
    "interview",
    "criticism",  # 通报批评
    "warning",  # 警告, a 政务处分 for an official
    "statement",  # 表态发言
    "disciplinary",  # 党纪政务处分
    "dismissal",  # 撤职
    "reassignment",  # 挪位
    "veto",  # 一票否决
    "score_deduction",
    "criminal_referral",
)
SANCTION_KINDS: Final = tuple(dict.fromkeys(UNIT_SANCTION_KINDS + GOVERNMENT_SANCTION_KINDS))
#: the kinds that are 行政处罚 when imposed on an enterprise (行政处罚法 第9条: 警告, 罚款, 暂扣或者
#: 吊销许可证件, 责令停产停业, 责令关闭); 警示, 约谈, 黑名单 and 取消标准化等级 are not
ADMINISTRATIVE_PENALTY_KINDS: Final = (
    "warning",
    "fine",
    "max_fine",
    "suspension",
    "closure",
    "license_suspended",
    "license_revoked",
)

EVALUATION_SCOPES: Final = ("county", "township", "department")

#: why a unit ceased to exist (``unit.closed``): 关闭取缔 is not 注销
UNIT_CLOSURE_REASONS: Final = (
    "shut_down",  # 关闭取缔: closed by order of government (责令关闭、取缔)
    "deregistered",  # 注销: deregistered at the registration authority (市场监管)
    "licence_revoked",  # 吊销营业执照
    "bankrupt",  # 破产
    "merged",  # 合并（撤并）: merged into another unit
    "abolished",  # 撤销: a division or body abolished
    "other",
)

#: what a visit (``visit.made``) was for: 现场办公, 督导, 暗查暗访 (四不两直)
VISIT_PURPOSES: Final = ("on_site_office", "supervision", "covert")

REPORT_KINDS: Final = (
    "monthly",
    "half_month_hazard",
    "brief",
    "plan",
    "quarterly",
    "annual",
    "summary",
    "other",
)
