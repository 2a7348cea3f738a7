"""The demo city's skeleton: clock, ordered output, people and units, the registry at day 0.

``Out`` holds events in day buckets and releases them in (time, generation order), so that
the log is chronological and every registration precedes what refers to it. Times are whole
minutes since 2019-01-01T00:00+08:00.

As the notices state it (临应急发〔2019〕119号): every division has two heads under 党政同责 (a
``party_secretary`` beside the head of government, the ``principal``); county 应急局 cadres
cover the townships (县包乡, 全市应急系统…干部职工全部下沉一级) and township officials the
enterprises (乡包企); the industry supervisor is the department that 管行业 (住建 for
construction and gas, 交通 for transport …); and from the notice's date, 2019-10-19
(自即日起), to 12-31 the nine 包县区督导工作组 of Annex 1, each led by a 县级干部 of the bureau,
cover one or two counties (市包县, a 临时工作机制), and the nine measures have their 牵头领导.
The city adopts the campaign's ready policy and the provincial rule it quotes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from random import Random
from typing import Any

from ledger.policies import adoption, ready_policy
from ops import demo_data as D

DAY = 1440
EPOCH = dt.date(2019, 1, 1)
#: 自即日起至 12 月 31 日: from the notice's date to the end of the year (valid_to exclusive)
CAMPAIGN_START = (dt.date(2019, 10, 19) - EPOCH).days * DAY
CAMPAIGN_END = (dt.date(2020, 1, 1) - EPOCH).days * DAY
#: the work groups of Annex 1 are set up (registered) at 09:00 on the notice's day
WORK_GROUPS_AT = CAMPAIGN_START + 9 * 60
POLICY_ID = D.CAMPAIGN_POLICY
PROVINCE_POLICY = D.PROVINCE_POLICY

Data = dict[str, Any]


def minute_of(date: dt.date) -> int:
    return (date - EPOCH).days * DAY


class Out:
    """Events waiting to be released, bucketed by day; nothing before ``floor`` may be added."""

    def __init__(self, horizon: int, seed: int) -> None:
        self.horizon = horizon
        self.floor = 0
        self.seq = 0
        self.count = 0
        self.seed = seed
        self.buckets: dict[int, list[tuple[int, int, str, Data]]] = {}
        self._days: dict[int, str] = {}

    def ts(self, minute: int) -> str:
        day, rest = divmod(minute, DAY)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = (EPOCH + dt.timedelta(days=day)).isoformat()
        return f"{text}T{rest // 60:02d}:{rest % 60:02d}:00+08:00"

    def add(self, minute: int, type_: str, data: Data, cutoff: int | None = None) -> bool:
        """Queue one event; False (and nothing queued) when it falls at or after the horizon/cutoff."""
        if minute >= self.horizon or (cutoff is not None and minute > cutoff):
            return False
        if minute < self.floor:
            raise AssertionError(f"{type_} at {self.ts(minute)} is before the released part of the log")
        self.seq += 1
        self.buckets.setdefault(minute // DAY, []).append((minute, self.seq, type_, data))
        return True

    def release(self, until: int) -> Iterator[Data]:
        """Yield, in order, every queued event before minute ``until`` (a day boundary)."""
        last_day = until // DAY
        for day in sorted(d for d in self.buckets if d < last_day):
            bucket = self.buckets.pop(day)
            bucket.sort()
            for minute, _, type_, data in bucket:
                self.count += 1
                yield {
                    "type": type_,
                    "occurred_at": self.ts(minute),
                    "data": data,
                    "idempotency_key": f"demo-{self.seed}-{self.count:08d}",
                }
        self.floor = max(self.floor, until)


def township_titles(tw: Township) -> tuple[str, str, str]:
    """(党委书记, head of government, deputy in charge) as a 街道, 镇 or 乡 names them."""
    kind = "街道" if tw.name.endswith("街道") else tw.name[-1]
    return {
        "街道": ("党工委书记", "办事处主任", "分管安全生产副主任"),
        "镇": ("党委书记", "镇长", "分管安全生产副镇长"),
        "乡": ("党委书记", "乡长", "分管安全生产副乡长"),
    }[kind]


def holder_at(timeline: list[tuple[int, str]], minute: int) -> str:
    """Who held a post at ``minute`` (the timeline is ``(from, holder)`` in order)."""
    current = timeline[0][1]
    for start, holder in timeline:
        if start > minute:
            break
        current = holder
    return current


@dataclass(slots=True)
class County:
    code: str
    name: str
    kind: str
    short: str
    head: str = ""
    deputy: str = ""
    secretary: str = ""
    yjj_head: str = ""
    yjj_staff: list[str] = field(default_factory=list)
    industry_person: dict[str, str] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)
    townships: list[Township] = field(default_factory=list)
    quality: float = 85.0


@dataclass(slots=True)
class Township:
    code: str
    name: str
    county: County
    principal: list[tuple[int, str]] = field(default_factory=list)  # the head of government
    principal_assignment: str = ""
    deputies: list[tuple[int, str]] = field(default_factory=list)  # the deputy in charge
    deputy_assignment: str = ""
    secretary: str = ""  # 党委书记 / 党工委书记
    chief: str = ""
    staff: list[str] = field(default_factory=list)
    next_person: int = 1
    weight: float = 1.0
    quality: float = 85.0
    enterprises: list[Enterprise] = field(default_factory=list)

    @property
    def mayor(self) -> str:
        return self.principal[-1][1]

    @property
    def deputy(self) -> str:
        return self.deputies[-1][1]


@dataclass(slots=True)
class Enterprise:
    uid: str
    key: str
    name: str
    township: Township
    industry: str
    risk: str
    above: bool
    factor: float
    gm: list[tuple[int, str]] = field(default_factory=list)
    gm_assignment: str = ""
    deputy: str | None = None
    terr: list[tuple[int, str]] = field(default_factory=list)
    terr_assignment: str = ""
    cover: list[tuple[int, str]] = field(default_factory=list)  # 乡包企
    cover_assignment: str = ""
    handovers: int = 0
    closed_at: int | None = None


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(first17: str) -> str:
    """The check character of a 统一社会信用代码 (GB 32100-2015)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


class City:
    """The registry: divisions, departments, work groups, people, enterprises and their duties."""

    def __init__(self, rng: Random, out: Out, enterprises: int) -> None:
        self.r = rng
        self.out = out
        self.n_enterprises = enterprises
        self.counties: list[County] = []
        self.townships: list[Township] = []
        self.enterprises: list[Enterprise] = []
        self.groups: list[tuple[str, str, list[str], list[str], tuple[str, ...]]] = []
        self.experts: list[str] = []
        self.city_yjj = "371300-YJJ"
        self.city_departments: list[str] = []
        self.city_head = self.city_deputy = self.yjj_head = ""
        self.zf_staff: list[str] = []
        self.special_group: list[str] = []
        self._keys: set[str] = set()
        self._surname_cum = self._cum(D.SURNAME_WEIGHTS)

    @staticmethod
    def _cum(weights: tuple[float, ...]) -> list[float]:
        total, out = 0.0, []
        for w in weights:
            total += w
            out.append(total)
        return out

    # --- people ---------------------------------------------------------------------------

    def name(self) -> str:
        r = self.r
        surname = r.choices(D.SURNAMES, cum_weights=self._surname_cum)[0]
        given = r.choice(D.GIVEN) if r.random() < 0.3 else r.choice(D.GIVEN) + r.choice(D.GIVEN)
        return surname + given

    def person(self, minute: int, pid: str, title: str, unit: str) -> str:
        self.out.add(
            minute, "person.registered", {"person_id": pid, "name": self.name(), "title": title, "unit_id": unit}
        )
        return pid

    def unit(self, minute: int, uid: str, kind: str, name: str, parent: str | None, **extra: Any) -> str:
        data: Data = {"unit_id": uid, "kind": kind, "name": name}
        if parent:
            data["parent_id"] = parent
        data.update(extra)
        self.out.add(minute, "unit.registered", data)
        return uid

    def assign(self, minute: int, aid: str, role: str, holder: str, target: str, valid_from: int, **extra: Any) -> str:
        data: Data = {
            "assignment_id": aid,
            "role": role,
            "holder": holder,
            "target": target,
            "valid_from": self.out.ts(valid_from),
        }
        for key, value in extra.items():
            data[key] = self.out.ts(value) if key == "valid_to" else value
        self.out.add(minute, "assignment.made", data)
        return aid

    # --- the registry at day 0 ------------------------------------------------------------

    def build(self) -> None:
        self._province_and_city()
        self._counties()
        self._allocate_enterprises()
        for county in self.counties:
            self._register_county(county)
        self._work_groups()
        self._lead_officials()
        self._policies()

    def _province_and_city(self) -> None:
        t = 0
        self.unit(t, D.PROVINCE[0], "province", D.PROVINCE[1], None)
        self.unit(t, "370000-YJT", "department", "山东省应急管理厅", D.PROVINCE[0])
        self.unit(t, D.CITY[0], "city", D.CITY[1], D.PROVINCE[0])
        self.city_head = self.person(t, "P-371300-001", "市长", "371300")
        self.city_deputy = self.person(t, "P-371300-002", "分管安全生产副市长", "371300")
        secretary = self.person(t, "P-371300-003", "市委书记", "371300")
        self.assign(t, "A-371300-PRINCIPAL", "principal", self.city_head, "371300", t)
        self.assign(t, "A-371300-SECRETARY", "party_secretary", secretary, "371300", t)
        self.assign(t, "A-371300-DEPUTY", "deputy_in_charge", self.city_deputy, "371300", t)
        for suffix, name, kind, parent in D.CITY_DEPARTMENTS:
            uid = f"371300-{suffix}"
            self.unit(t, uid, kind, name, f"371300-{parent}" if parent else "371300")
            if kind == "department":
                self.city_departments.append(uid)
        self.yjj_head = self.person(t, "P-371300-YJJ-001", "市应急管理局局长", self.city_yjj)
        self.assign(t, "A-371300-YJJ-PRINCIPAL", "principal", self.yjj_head, self.city_yjj, t)
        for suffix, name in D.BUREAU_SECTIONS:  # the 责任科室单位 the notice names
            uid = self.unit(t, f"{self.city_yjj}-{suffix}", "department", name, self.city_yjj)
            head = "支队长" if suffix == "ZF" else "组长"
            self.person(t, f"P-{uid}-001", name.removeprefix("市应急局") + head, uid)
        self.zf_staff = [self.person(t, f"P-371300-YJJ-ZF-00{i}", "执法人员", "371300-YJJ-ZF") for i in range(2, 7)]
        self.experts = [
            self.person(
                t,
                f"P-371300-ZJ-{i:03d}",
                f"市安全生产专家（{D.EXPERT_FIELDS[i % len(D.EXPERT_FIELDS)]}）",
                self.city_yjj,
            )
            for i in range(1, 41)
        ]

    def _counties(self) -> None:
        r = self.r
        for code, name, kind, short, towns in D.COUNTIES:
            county = County(code, name, kind, short, quality=r.uniform(80, 92))
            counters = {"街道": 0, "镇": 100, "乡": 200}
            for town in towns:
                suffix = "街道" if town.endswith("街道") else town[-1]
                counters[suffix] += 1
                tw = Township(f"{code}{counters[suffix]:03d}", town, county, quality=r.uniform(78, 94))
                tw.weight = r.uniform(0.5, 1.5) * (1.3 if kind == "county" and code > "371320" else 1.0)
                county.townships.append(tw)
                self.townships.append(tw)
            self.counties.append(county)

    def _allocate_enterprises(self) -> None:
        r = self.r
        industries = list(D.INDUSTRY_TABLE)
        ind_cum = self._cum(tuple(D.INDUSTRY_TABLE[i][0] for i in industries))
        risks = [k for k, _ in D.RISK_WEIGHTS]
        risk_cum = self._cum(tuple(float(w) for _, w in D.RISK_WEIGHTS))
        town_cum = self._cum(tuple(t.weight for t in self.townships))
        mean_factor = sum(D.RISK_FACTOR[k] * w for k, w in D.RISK_WEIGHTS) / 100
        for _ in range(self.n_enterprises):
            tw = r.choices(self.townships, cum_weights=town_cum)[0]
            industry = r.choices(industries, cum_weights=ind_cum)[0]
            risk = r.choices(risks, cum_weights=risk_cum)[0]
            if industry in ("hazardous_chemicals", "fireworks", "coal_mine", "gas") and risk == "blue":
                risk = "yellow"
            above = r.random() < {"red": 0.8, "orange": 0.6, "yellow": 0.35, "blue": 0.2}[risk]
            uid, key = self._uscc(tw.county.code)
            words = D.INDUSTRY_TABLE[industry][3]
            brand = r.choice(D.BRAND_CHARS) + r.choice(D.BRAND_CHARS)
            prefix = r.choice(("临沂", f"临沂市{tw.county.name}", tw.county.short, "山东", f"临沂{tw.county.short}"))
            suffix = "股份有限公司" if above and r.random() < 0.2 else "有限公司"
            ent = Enterprise(
                uid,
                key,
                f"{prefix}{brand}{r.choice(words)}{suffix}",
                tw,
                industry,
                risk,
                above,
                D.RISK_FACTOR[risk] / mean_factor,
            )
            tw.enterprises.append(ent)
            self.enterprises.append(ent)

    def _uscc(self, county_code: str) -> tuple[str, str]:
        r = self.r
        while True:
            body = "91" + county_code + "MA" + "".join(r.choice(USCC_CHARS[:-1]) for _ in range(7))
            code = body + uscc_check(body)
            key = code[-8:]
            if key not in self._keys:
                self._keys.add(key)
                return code, key

    def _register_county(self, c: County) -> None:
        t = 0
        is_zone = c.kind == "dev_zone"
        self.unit(t, c.code, c.kind, c.name, "371300")
        head_title = "管委会主任" if is_zone else ("区长" if c.name.endswith("区") else "县长")
        deputy_title = (
            "管委会分管副主任" if is_zone else ("分管安全生产副区长" if c.name.endswith("区") else "分管安全生产副县长")
        )
        secretary_title = "党工委书记" if is_zone else ("区委书记" if c.name.endswith("区") else "县委书记")
        c.head = self.person(t, f"P-{c.code}-001", head_title, c.code)
        c.deputy = self.person(t, f"P-{c.code}-002", deputy_title, c.code)
        c.secretary = self.person(t, f"P-{c.code}-003", secretary_title, c.code)
        self.assign(t, f"A-{c.code}-PRINCIPAL", "principal", c.head, c.code, t)
        self.assign(t, f"A-{c.code}-SECRETARY", "party_secretary", c.secretary, c.code, t)
        self.assign(t, f"A-{c.code}-DEPUTY", "deputy_in_charge", c.deputy, c.code, t)
        for suffix, pattern in D.COUNTY_DEPARTMENTS:
            uid = self.unit(t, f"{c.code}-{suffix}", "department", pattern.format(c.name), c.code)
            c.departments.append(uid)
        yjj = f"{c.code}-YJJ"
        c.yjj_head = self.person(t, f"P-{yjj}-001", "应急管理局局长", yjj)
        self.assign(t, f"A-{yjj}-PRINCIPAL", "principal", c.yjj_head, yjj, t)
        c.yjj_staff = [
            self.person(t, f"P-{yjj}-{i:03d}", title, yjj)
            for i, title in (
                (2, "应急管理局副局长"),
                (3, "执法大队大队长"),
                (4, "执法队员"),
                (5, "执法队员"),
                (6, "执法队员"),
            )
        ]
        counters: dict[str, int] = {}
        for industry, (_, dept, title, _) in D.INDUSTRY_TABLE.items():
            counters[dept] = counters.get(dept, 10) + 1
            c.industry_person[industry] = self.person(
                t, f"P-{c.code}-{dept}-{counters[dept]:03d}", title, f"{c.code}-{dept}"
            )
        # 县包乡: a cadre of the county 应急局 for each township (全市应急系统…全部下沉一级)
        ranks = ("应急管理局一级主任科员", "应急管理局二级主任科员", "应急管理局四级主任科员", "应急管理局科员")
        for i, tw in enumerate(c.townships):
            cadre = self.person(t, f"P-{yjj}-{101 + i:03d}", ranks[i % len(ranks)], yjj)
            self._register_township(tw, cadre)

    def _register_township(self, tw: Township, coverer: str) -> None:
        t, r, c = 0, self.r, self.county_of(tw)
        self.unit(t, tw.code, "township", tw.name, c.code)
        titles = township_titles(tw)
        tw.secretary = self.person(t, f"P-{tw.code}-001", titles[0], tw.code)
        mayor = self.person(t, f"P-{tw.code}-002", titles[1], tw.code)
        deputy = self.person(t, f"P-{tw.code}-003", titles[2], tw.code)
        tw.chief = self.person(t, f"P-{tw.code}-004", "安监站站长", tw.code)
        staff_n = max(1, math.ceil(len(tw.enterprises) / 30))
        tw.staff = [tw.chief] + [
            self.person(t, f"P-{tw.code}-{i:03d}", "安监员", tw.code) for i in range(5, 5 + staff_n)
        ]
        tw.next_person = 5 + staff_n
        tw.principal = [(t, mayor)]
        tw.principal_assignment = self.assign(t, f"A-{tw.code}-PRINCIPAL", "principal", mayor, tw.code, t)
        self.assign(t, f"A-{tw.code}-SECRETARY", "party_secretary", tw.secretary, tw.code, t)
        tw.deputies = [(t, deputy)]
        tw.deputy_assignment = self.assign(t, f"A-{tw.code}-DEPUTY", "deputy_in_charge", deputy, tw.code, t)
        basis = f"{c.name}应急管理局包保责任分工（县包乡）"
        self.assign(t, f"A-{c.code}-{tw.code}", "covers", coverer, tw.code, t, basis=basis)
        coverers = (tw.mayor, tw.deputy, tw.chief)
        for i, ent in enumerate(tw.enterprises):
            self._register_enterprise(ent, coverers[i % 3], tw.staff[i % len(tw.staff)], r)

    def _register_enterprise(self, e: Enterprise, coverer: str, territorial: str, r: Random) -> None:
        t, tw = 0, e.township
        c = self.county_of(tw)
        address = f"{c.name}{tw.name}{r.choice(D.ROADS)}{r.randint(1, 999)}号"
        self.unit(
            t,
            e.uid,
            "enterprise",
            e.name,
            tw.code,
            industry=e.industry,
            above_scale=e.above,
            risk_level=e.risk,
            address=address,
        )
        gm = self.person(t, f"P-{e.key}-GM", r.choice(("总经理", "董事长", "法定代表人、总经理")), e.uid)
        e.gm = [(t, gm)]
        e.gm_assignment = self.assign(t, f"A-{e.key}-PRINCIPAL", "principal", gm, e.uid, t)
        if e.above:
            e.deputy = self.person(t, f"P-{e.key}-AQ", r.choice(("分管安全副总经理", "安全总监")), e.uid)
            self.assign(t, f"A-{e.key}-DEPUTY", "deputy_in_charge", e.deputy, e.uid, t)
        e.cover = [(t, coverer)]
        e.cover_assignment = self.assign(t, f"A-{e.key}-COVERS", "covers", coverer, e.uid, t)
        e.terr = [(t, territorial)]
        e.terr_assignment = self.assign(t, f"A-{e.key}-TERR", "territorial", territorial, e.uid, t)
        self.assign(
            t, f"A-{e.key}-IND", "industry_supervisor", c.industry_person[e.industry], e.uid, t, industry=e.industry
        )
        if e.risk == "red":
            self.assign(
                t,
                f"A-{e.key}-EXPERT",
                "stationed_expert",
                r.choice(self.experts),
                e.uid,
                CAMPAIGN_START,
                valid_to=CAMPAIGN_END,
                basis=D.BASIS_119,
                note="二(六)3: 不放心企业，一企一个专家组，24小时驻厂监督",
            )

    @staticmethod
    def county_of(tw: Township) -> County:
        return tw.county

    def _work_groups(self) -> None:
        """Annex 1 (县级干部包县区临时工作机制): nine 包县区督导工作组, each led by a 县级干部 of
        the bureau, covering one or two counties from the notice's date to 12-31, and the
        专项督查组; Annex 2: the dispatchers of the ten Friday meetings."""
        t = WORK_GROUPS_AT
        campaign = {"valid_to": CAMPAIGN_END, "basis": D.BASIS_119}
        ranks = ("市应急管理局副局长", "市应急管理局党委委员、副局长", "市应急管理局总工程师", "市应急管理局二级调研员")
        staff = ("市应急管理局四级调研员", "市应急管理局一级主任科员", "市应急管理局二级主任科员")
        for number, ordinal, counties, deputies, members in D.WORK_GROUPS:
            name = f"包县区督导工作组{ordinal}组"
            gid = self.unit(t, f"371300-DD{number}", "work_group", name, self.city_yjj)
            leader = self.person(t, f"P-371300-YJJ-{number + 1:03d}", ranks[number % len(ranks)], self.city_yjj)
            deps = [self.person(t, f"P-{gid}-0{i + 2}", staff[i % 3], self.city_yjj) for i in range(deputies)]
            mems = [
                self.person(t, f"P-{gid}-0{i + 2 + deputies}", staff[(i + 1) % 3], self.city_yjj)
                for i in range(members)
            ]
            self.assign(t, f"A-DD{number}-LEADER", "group_leader", leader, gid, CAMPAIGN_START, **campaign)
            for i, p in enumerate(deps, 1):
                self.assign(t, f"A-DD{number}-DEPUTY{i}", "group_deputy", p, gid, CAMPAIGN_START, **campaign)
            for i, p in enumerate(mems, 1):
                self.assign(t, f"A-DD{number}-MEMBER{i}", "group_member", p, gid, CAMPAIGN_START, **campaign)
            for code in counties:
                self.assign(t, f"A-DD{number}-{code}", "covers", gid, code, CAMPAIGN_START, **campaign)
            self.groups.append((gid, leader, deps, mems, counties))
        gid = "371300-ZXDC"
        titles = (
            "市应急管理局党委委员",
            "市应急管理局四级调研员",
            "市应急管理局四级调研员",
            "市应急管理局一级主任科员",
            "市应急管理局二级主任科员",
        )
        self.special_group = [
            self.person(t, f"P-{gid}-0{i}", title, self.city_yjj) for i, title in enumerate(titles, 1)
        ]
        roles = ("group_leader", "group_deputy", "group_deputy", "group_member", "group_member")
        for i, (p, role) in enumerate(zip(self.special_group, roles, strict=True)):
            self.assign(t, f"A-ZXDC-{i + 1}", role, p, gid, CAMPAIGN_START, **campaign)
        for month, day, group in D.DISPATCH_MEETINGS:  # two hours each, from 15:00
            begins = minute_of(dt.date(2019, month, day)) + 15 * 60
            holder = self.special_group[0] if group == 0 else self.groups[group - 1][1]
            when = max(t + 60, begins - 3 * DAY - 5 * 60)
            self.assign(when, f"A-DISPATCH-2019{month:02d}{day:02d}", "dispatcher", holder, "371300", begins,
                        valid_to=begins + 120, basis=D.BASIS_119)  # fmt: skip
        # a correction recorded later (补录): three groups actually arrived on Monday 10-21
        fix = minute_of(dt.date(2019, 12, 2)) + 10 * 60
        for group_id, *_, covered in self.groups[:3]:
            group_number = group_id.removeprefix("371300-DD")
            self.out.add(
                fix,
                "assignment.corrected",
                {
                    "assignment_id": f"A-DD{group_number}-{covered[-1]}",
                    "valid_from": self.out.ts(minute_of(dt.date(2019, 10, 21))),
                    "reason": "按督导组实际进驻日期更正（补录）",
                },
            )

    def _lead_officials(self) -> None:
        """二、工作措施: each measure's 牵头领导 (the 县级干部 the notice names, here the leaders of
        the groups they lead); for (三) every group's leader, in the counties the group covers."""
        t = CAMPAIGN_START + 9 * 60 + 30
        for index, (measure, leaders, sections) in enumerate(D.CAMPAIGN_MEASURES, 1):
            note = f"{measure}；责任科室单位：{sections}"
            extra = {"valid_to": CAMPAIGN_END, "basis": D.BASIS_119, "note": note}
            if leaders == (0,):
                for number, (_, leader, _, _, counties) in enumerate(self.groups, 1):
                    for code in counties:
                        aid = f"A-LEAD-{index}-DD{number}-{code}"
                        self.assign(t, aid, "lead_official", leader, code, CAMPAIGN_START, **extra)
                continue
            for number in leaders:
                leader = self.groups[number - 1][1]
                aid = f"A-LEAD-{index}-DD{number}"
                self.assign(t, aid, "lead_official", leader, self.city_yjj, CAMPAIGN_START, **extra)

    def _policies(self) -> None:
        """The campaign's ready policy and the provincial rule it quotes, adopted as shipped."""
        for policy_id in (D.CAMPAIGN_POLICY, D.PROVINCE_POLICY):
            self.out.add(CAMPAIGN_START + 16 * 60, "policy.adopted", adoption(ready_policy(policy_id)))
