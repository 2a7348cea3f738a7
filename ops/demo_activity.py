"""What happens in the demo city month by month: hazards, inspections, accidents, enforcement.

Volumes follow 临沂 2020 总结 (≈4.4 hazards per key enterprise a year, ≈89.5 % rectified).
During the campaign (临应急发〔2019〕119号, 2019-10-19 to 12-31) the work groups make their
weekly 现场办公 visits to the counties they cover, the city lists the month's open major
hazards at its 30th-day meeting (“580”), the above-scale principals of the 应急-supervised
industries sit the exam, and 2019Q4's ranking has the consequences 二(一)3 names; all year an
unstopped illegal site is stopped later, and from the provincial rule's date one left
unstopped costs the township's heads of government their posts (decided by the 县委).
"""

from __future__ import annotations

import datetime as dt
import math
from random import Random

from ops import demo_data as D
from ops.demo_city import (
    CAMPAIGN_END,
    CAMPAIGN_START,
    DAY,
    POLICY_ID,
    PROVINCE_POLICY,
    WORK_GROUPS_AT,
    City,
    Data,
    Enterprise,
    Township,
    holder_at,
    minute_of,
    township_titles,
)

KINDS = (
    ("enforcement", 38),
    ("covert", 12),
    ("expert_checkup", 14),
    ("joint", 10),
    ("cross_region", 5),
    ("off_site", 6),
    ("supervision", 15),
)
SOURCE_OF_KIND = {"enforcement": "department_check", "covert": "covert_visit", "expert_checkup": "expert_checkup"}
HAZARDS_FOUND = (0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3)  # mean 1.05


class Activity:
    def __init__(self, city: City, rng: Random) -> None:
        self.c = city
        self.r = rng
        self.out = city.out
        self.counters: dict[str, int] = {}
        self.accidents_in: dict[str, int] = {}  # township code → accidents in the current quarter
        self.kind_cum = City._cum(tuple(float(w) for _, w in KINDS))
        self.scale = len(city.enterprises) / 9000

    def next_id(self, prefix: str, year: int, width: int) -> str:
        key = f"{prefix}-{year}"
        n = self.counters.get(key, 0) + 1
        self.counters[key] = n
        return f"{key}-{n:0{width}d}"

    def year_of(self, minute: int) -> int:
        return (dt.date(2019, 1, 1) + dt.timedelta(days=minute // DAY)).year

    def work_minute(self, day_start: int, days: int) -> int:
        """A random working moment (08:30–17:30) in the ``days`` days from ``day_start``."""
        return day_start + self.r.randrange(days) * DAY + self.r.randint(510, 1050)

    # --- plans made at the start (they change who holds what, so they come first) ---------

    def plan(self, years: int) -> None:
        r = self.r
        for y in range(years):
            y0 = (dt.date(2019 + y, 1, 1) - dt.date(2019, 1, 1)).days * DAY
            for tw in self.c.townships:  # the safety station's chief moves on (closed enterprises keep theirs)
                if r.random() < 0.06 and tw.enterprises:
                    self._chief_handover(tw, y0 + r.randint(60, 330) * DAY)
            for e in self.c.enterprises:
                if r.random() < 0.015 and e.closed_at is None:
                    self._principal_handover(e, y0 + r.randint(30, 340) * DAY)
            closures = max(1, round(len(self.c.enterprises) * 0.0012))
            for e in r.sample(self.c.enterprises, closures):
                if e.closed_at is None and e.handovers == 0:
                    self._closure(e, y0 + r.randint(100, 340) * DAY)
            if y == 0:
                self._corrections(y0)

    def _chief_handover(self, tw: Township, day: int) -> None:
        old = tw.chief
        new = f"P-{tw.code}-{tw.next_person:03d}"
        tw.next_person += 1
        self.c.person(day - 3 * DAY + 9 * 60, new, "安监站站长", tw.code)
        for e in tw.enterprises:
            if holder_at(e.terr, day) == old and e.terr[-1][0] < day and e.closed_at is None:
                e.handovers += 1
                aid = f"A-{e.key}-TERR-{e.handovers + 1}"
                self.c.assign(
                    day + 9 * 60,
                    aid,
                    "territorial",
                    new,
                    e.uid,
                    day,
                    supersedes=e.terr_assignment,
                    basis=f"{tw.name}党（工）委会议决定",
                )
                e.terr.append((day, new))
                e.terr_assignment = aid
        tw.staff[tw.staff.index(old)] = new
        tw.chief = new
        self.out.add(day + DAY + 10 * 60, "person.departed", {"person_id": old, "reason": "工作调动"})

    def _principal_handover(self, e: Enterprise, day: int, basis: str | None = None) -> None:
        """A new 主要负责人 from ``day``: the old one leaves (离职), or, removed under a rule
        (``basis``), simply no longer holds the post."""
        if e.gm[-1][0] >= day:
            return
        e.handovers += 1
        new = f"P-{e.key}-GM{len(e.gm) + 1}"
        old = e.gm[-1][1]
        self.c.person(day - 2 * DAY + 10 * 60, new, "总经理", e.uid)
        aid = f"A-{e.key}-PRINCIPAL-{len(e.gm) + 1}"
        self.c.assign(
            day + 9 * 60, aid, "principal", new, e.uid, day, supersedes=e.gm_assignment, basis=basis or "董事会决议"
        )
        e.gm.append((day, new))
        e.gm_assignment = aid
        if basis is None:
            self.out.add(day + DAY + 9 * 60, "person.departed", {"person_id": old, "reason": "离职"})

    def _corrections(self, y0: int) -> None:
        """A few back-dated corrections (补录): the first territorial duty began earlier than recorded."""
        r = self.r
        open_ = [e for e in self.c.enterprises if e.closed_at is None]
        for e in r.sample(open_, min(len(open_), max(2, len(open_) // 250))):
            when = y0 + r.randint(40, 300) * DAY + 10 * 60
            self.out.add(
                when,
                "assignment.corrected",
                {
                    "assignment_id": f"A-{e.key}-TERR",
                    "valid_from": self.out.ts(y0 - r.randint(30, 400) * DAY),
                    "reason": "按乡镇网格化分工文件实际日期更正（补录）",
                },
            )

    def _closure(self, e: Enterprise, day: int) -> None:
        """A major hazard left unrectified → suspension → 关闭取缔 (安全生产法) and the unit closed."""
        county = e.township.county
        found = self.work_minute(day - 45 * DAY, 1)
        ins = self.next_id("INS", self.year_of(found), 6)
        inspectors = county.yjj_staff[2:4]
        self.out.add(
            found,
            "inspection.conducted",
            {
                "inspection_id": ins,
                "unit_id": e.uid,
                "kind": "enforcement",
                "inspectors": inspectors,
                "result": "发现重大隐患1项",
            },
        )
        hid = self.next_id("HZ", self.year_of(found), 6)
        cat, text = self.r.choice(D.HAZARD_TEXTS["major"])
        self.out.add(
            found + 60,
            "hazard.reported",
            {
                "hazard_id": hid,
                "unit_id": e.uid,
                "severity": "major",
                "description": text,
                "source": "department_check",
                "inspection_id": ins,
                "found_by": inspectors[0],
                "category": cat,
            },
        )
        self.out.add(
            found + 240,
            "hazard.assigned",
            {
                "hazard_id": hid,
                "responsible": e.gm[-1][1],
                "deadline": self.out.ts(day - 20 * DAY + 18 * 60),
                "assigned_by": county.yjj_staff[1],
            },
        )
        suspension = self.next_id("SAN", self.year_of(day - 15 * DAY), 5)
        self.out.add(
            day - 15 * DAY + 10 * 60,
            "sanction.imposed",
            {
                "sanction_id": suspension,
                "target": e.uid,
                "kind": "suspension",
                "basis_refs": [f"hazard:{hid}"],
                "issued_by": f"{county.code}-YJJ",
                "note": "重大隐患逾期未整改，责令停产整顿",
            },
        )
        closure = self.next_id("SAN", self.year_of(day), 5)
        self.out.add(
            day + 10 * 60,
            "sanction.imposed",
            {
                "sanction_id": closure,
                "target": e.uid,
                "kind": "closure",
                "basis_refs": [f"hazard:{hid}", f"sanction:{suspension}"],
                "issued_by": county.code,
                "note": "拒不整改，提请县级人民政府关闭取缔",
            },
        )
        self.out.add(day + 11 * 60, "unit.closed", {"unit_id": e.uid, "reason": "shut_down", "note": "关闭取缔"})
        e.closed_at = day + 11 * 60

    # --- one month ------------------------------------------------------------------------

    def month(self, start: int, end: int) -> None:
        days = (end - start) // DAY
        for e in self.c.enterprises:
            if e.closed_at is not None and e.closed_at <= end:
                continue
            self._enterprise_month(e, start, days)
        self._group_visits(start, end)
        self._accidents(start, days)
        self._illegal_sites(start, days)
        self._reports(start, end)
        date = dt.date(2019, 1, 1) + dt.timedelta(days=start // DAY)
        if date.month == 11:
            self._exams(start)
        if date.month % 3 == 0:
            self._evaluations(date, end)

    def _enterprise_month(self, e: Enterprise, start: int, days: int) -> None:
        r = self.r
        f = e.factor
        if e.above and r.random() < 0.9:  # 十个一次: the principal leads a monthly inspection
            t = self.work_minute(start, days)
            gm = holder_at(e.gm, t)
            ins = self.next_id("INS", self.year_of(t), 6)
            found = r.random() < 0.12
            inspectors = [gm, e.deputy] if e.deputy else [gm]
            self.out.add(
                t,
                "inspection.conducted",
                {
                    "inspection_id": ins,
                    "unit_id": e.uid,
                    "kind": "supervision",
                    "inspectors": inspectors,
                    "result": "发现隐患1项，已登记整改" if found else "主要负责人带队检查，未发现问题",
                    "led_by": gm,
                },
            )
            if found:
                self.hazard(e, t + 60, "self_check", ins, e.deputy or gm)
        if r.random() < 0.2 * f:
            self._inspection(e, self.work_minute(start, days))
        if r.random() < 0.12 * f:
            t = self.work_minute(start, days)
            if r.random() < 0.06:
                self.hazard(e, t, "public_report", None, None)
            else:
                self.hazard(e, t, "self_check", None, e.deputy or holder_at(e.gm, t))

    def _inspection(self, e: Enterprise, t: int) -> None:
        r, c, county = self.r, self.c, e.township.county
        kind = r.choices(KINDS, cum_weights=self.kind_cum)[0][0]
        if kind == "enforcement" or kind == "off_site":
            inspectors = r.sample(county.yjj_staff[1:], 1 if kind == "off_site" else 2)
        elif kind == "covert":
            # 暗查暗访 by the city's work groups while they exist (the campaign), else by 执法支队
            grouped = WORK_GROUPS_AT < t < CAMPAIGN_END
            inspectors = self._group_of(county.code) if grouped else r.sample(c.zf_staff, 2)
        elif kind == "expert_checkup":
            inspectors = r.sample(c.experts, 2)
        elif kind == "joint":
            inspectors = [r.choice(county.yjj_staff[2:]), county.industry_person[e.industry]]
        elif kind == "cross_region":
            other = c.counties[(c.counties.index(county) + 1 + r.randrange(len(c.counties) - 1)) % len(c.counties)]
            inspectors = r.sample(other.yjj_staff[2:], 2)
        else:  # supervision by the township's deputy in charge and the territorial official
            terr, deputy = holder_at(e.terr, t), holder_at(e.township.deputies, t)
            inspectors = [terr] if terr == deputy else [deputy, terr]
        found = r.choice(HAZARDS_FOUND)
        ins = self.next_id("INS", self.year_of(t), 6)
        self.out.add(
            t,
            "inspection.conducted",
            {
                "inspection_id": ins,
                "unit_id": e.uid,
                "kind": kind,
                "inspectors": inspectors,
                "result": f"发现隐患{found}项" if found else "未发现问题",
            },
        )
        source = SOURCE_OF_KIND.get(kind, "inspection")
        for i in range(found):
            self.hazard(e, t + 30 + 15 * i, source, ins, inspectors[0])

    def _group_of(self, county: str) -> list[str]:
        for _, leader, deps, mems, counties in self.c.groups:
            if county in counties:
                return [self.r.choice([leader, *deps]), self.r.choice(mems)]
        return self.c.zf_staff[:2]

    # --- a hazard, from 入库 to 销号 --------------------------------------------------------

    def hazard(self, e: Enterprise, t: int, source: str, inspection: str | None, found_by: str | None) -> None:
        r, out = self.r, self.out
        major = r.random() < (0.07 if e.risk == "red" else 0.025)
        severity = "major" if major else "general"
        cat, text = r.choice(D.HAZARD_TEXTS[severity])
        hid = self.next_id("HZ", self.year_of(t), 6)
        data: Data = {"hazard_id": hid, "unit_id": e.uid, "severity": severity, "description": text, "source": source}
        if inspection:
            data["inspection_id"] = inspection
        if found_by:
            data["found_by"] = found_by
        data["category"] = cat
        cut = e.closed_at
        if not out.add(t, "hazard.reported", data, cut):
            return
        county = e.township.county
        ta = t + r.randint(60, 2 * DAY)
        deadline = (ta // DAY + (r.randint(30, 90) if major else r.randint(7, 30))) * DAY + 18 * 60
        events: list[tuple[int, str, Data]] = [
            (
                ta,
                "hazard.assigned",
                {
                    "hazard_id": hid,
                    "responsible": holder_at(e.gm, ta),
                    "deadline": out.ts(deadline),
                    "assigned_by": holder_at(e.terr, ta),
                },
            )
        ]

        stall = r.random() < (0.2 if major else 0.12)
        extended = r.random() < (0.35 if major else (0.3 if stall else 0.02))
        t_ext = deadline - 2 * DAY - 9 * 60
        if extended and t_ext > ta + 2 * DAY:
            new_deadline = deadline + r.randint(15, 45) * DAY
            approver = county.yjj_head if major else e.township.deputy
            events.append(
                (
                    t_ext,
                    "hazard.deadline_extended",
                    {
                        "hazard_id": hid,
                        "deadline": out.ts(new_deadline),
                        "approved_by": approver,
                        "reason": r.choice(("设备供货延迟", "整改工程量大，需分步实施", "资金筹措需要时间")),
                    },
                )
            )
            deadline = new_deadline
        else:
            t_ext = ta
        if stall:
            t_rect = deadline + r.randint(20, 240) * DAY + r.randint(0, 480)
        elif r.random() < 0.07:
            t_rect = deadline + r.randint(1, 10) * DAY
        else:
            t_rect = max(t_ext + 60, ta + int((deadline - ta) * r.uniform(0.15, 0.95)))
        if major or stall:
            p, n = ta + 15 * DAY, 0
            while p < t_rect and n < 8:
                events.append(
                    (
                        p,
                        "hazard.progress_reported",
                        {"hazard_id": hid, "note": r.choice(D.PROGRESS), "by": holder_at(e.gm, p)},
                    )
                )
                p, n = p + 15 * DAY, n + 1
        if major:
            events.append(self._listing(e, hid, ta, t_rect))
        rect: Data = {"hazard_id": hid, "by": holder_at(e.gm, t_rect), "measures": r.choice(D.MEASURES)}
        rect["cost_cny"] = r.randint(5, 300) * 10000 if major else r.randint(2, 800) * 100
        events.append((t_rect, "hazard.rectified", rect))
        t_v = t_rect + r.randint(1, 3) * DAY
        verifier = county.yjj_head if major else holder_at(e.terr, t_v)
        if r.random() < 0.05:
            events.append(
                (
                    t_v,
                    "hazard.verified",
                    {"hazard_id": hid, "verifier": verifier, "passed": False, "note": "整改不到位，退回重新整改"},
                )
            )
            t_r2 = t_v + r.randint(2, 7) * DAY
            events.append(
                (
                    t_r2,
                    "hazard.rectified",
                    {"hazard_id": hid, "by": holder_at(e.gm, t_r2), "measures": r.choice(D.MEASURES)},
                )
            )
            t_v = t_r2 + r.randint(1, 2) * DAY
            verifier = county.yjj_head if major else holder_at(e.terr, t_v)
        events.append(
            (t_v, "hazard.verified", {"hazard_id": hid, "verifier": verifier, "passed": True, "note": "现场复查合格"})
        )
        events.append(
            (t_v + r.randint(30, 240), "hazard.closed", {"hazard_id": hid, "by": verifier, "note": "验收合格，销号"})
        )
        events.sort(key=lambda ev: ev[0])
        for minute, type_, payload in events:
            if not out.add(minute, type_, payload, cut):
                break

    def _listing(self, e: Enterprise, hid: str, handed_over: int, rectified: int) -> tuple[int, str, Data]:
        """挂牌督办 of a major hazard: during the campaign at the city's meeting on the 30th
        (“580”: “0”，即每月 30 号召开专题会议，挂牌督办，限期清零) if it is still open then; else
        at the county, the city or (rarely) the province a few days after its hand-over."""
        r, county = self.r, e.township.county
        meeting = _next_meeting(handed_over + 60)
        if meeting is not None and meeting < rectified:
            data = {
                "hazard_id": hid,
                "level": "city",
                "supervisor": self.c.city_yjj,
                "basis": "“580”清零制度专题会议挂牌督办",
            }
            return meeting, "hazard.supervision_listed", data
        roll = r.random()
        if roll < 0.05:
            level, supervisor = "province", "370000-YJT"
        elif e.risk == "red" or roll < 0.35:
            level, supervisor = "city", self.c.city_yjj
        else:
            level, supervisor = "county", f"{county.code}-YJJ"
        label = {"province": "省级", "city": "市级", "county": "县级"}[level]
        data = {"hazard_id": hid, "level": level, "supervisor": supervisor, "basis": f"{label}挂牌督办"}
        return min(handed_over + r.randint(1, 3) * DAY, rectified - 60), "hazard.supervision_listed", data

    # --- the work groups' weekly visits (市包县, 每周一次现场办公) -----------------------------

    def _group_visits(self, start: int, end: int) -> None:
        """二(三)1: 每周到所包县区开展一次现场办公 — a ``visit.made`` by the group to each county it
        covers, once in each calendar week of the campaign (now and then one is missed)."""
        r = self.r
        monday = start + ((7 - ((start // DAY + 1) % 7)) % 7) * DAY  # the month's first; 2019-01-01 was a Tuesday
        while monday < min(end, CAMPAIGN_END):
            if monday + 7 * DAY <= CAMPAIGN_START:
                monday += 7 * DAY
                continue
            for gid, leader, deps, mems, counties in self.c.groups:
                for county in counties:
                    if r.random() >= 0.93:
                        continue
                    t = monday + r.randint(0, 4) * DAY + r.randint(540, 900)  # a working day, 09:00–15:00
                    if not WORK_GROUPS_AT < t < CAMPAIGN_END:  # the groups exist from 09:00 of the 19th
                        continue
                    visit: Data = {
                        "visit_id": self.next_id("VIS", self.year_of(t), 5),
                        "holder": gid,
                        "target": county,
                        "purpose": "on_site_office",
                        "participants": [r.choice([leader, *deps]), *r.sample(mems, min(len(mems), r.randint(1, 2)))],
                        "note": r.choice(D.VISIT_NOTES),
                    }
                    self.out.add(t, "visit.made", visit)
            monday += 7 * DAY

    # --- accidents ----------------------------------------------------------------------------

    def _accidents(self, start: int, days: int) -> None:
        r = self.r
        lam = 8 * self.scale
        n = self._poisson(lam)
        date = dt.date(2019, 1, 1) + dt.timedelta(days=start // DAY)
        grades = ["larger" if r.random() < 0.015 else "general" for _ in range(n)]
        if date.year == 2019 and date.month == 8:
            grades.append("major")
        if date.month in (4, 10):  # a few 较大 every year, whatever the draws
            grades.append("larger")
        for grade in grades:
            for _ in range(20):
                e = r.choice(self.c.enterprises)
                if e.closed_at is None and r.random() < e.factor / 1.9:
                    break
            else:
                continue
            self._accident(e, start + r.randrange(days) * DAY + r.randint(0, DAY - 200), grade)

    def _poisson(self, lam: float) -> int:
        r, k, p, limit = self.r, 0, 1.0, math.exp(-lam)
        while True:
            p *= r.random()
            if p < limit:
                return k
            k += 1

    def _accident(self, e: Enterprise, t: int, grade: str) -> None:
        r, out, c = self.r, self.out, self.c
        county, tw = e.township.county, e.township
        if grade == "major":
            deaths, injuries, loss = r.randint(10, 12), r.randint(5, 20), r.randint(2000, 4500) * 10000
        elif grade == "larger":
            deaths, injuries, loss = r.randint(3, 5), r.randint(0, 8), r.randint(300, 900) * 10000
        else:
            deaths = r.choice((0, 0, 1, 1, 1, 2))
            injuries, loss = r.randint(0, 4), r.randint(5, 300) * 10000
        aid = self.next_id("ACC", self.year_of(t), 4)
        what = r.choice(D.ACCIDENT_TEXTS)
        illegal = r.random() < 0.3
        if not out.add(
            t,
            "accident.occurred",
            {
                "accident_id": aid,
                "unit_id": e.uid,
                "deaths": deaths,
                "serious_injuries": injuries,
                "direct_loss_cny": loss,
                "description": f"{what}事故，造成{deaths}人死亡、{injuries}人重伤",
                "illegal_operation": illegal,
            },
        ):
            return
        self.accidents_in[tw.code] = self.accidents_in.get(tw.code, 0) + 1
        gm = holder_at(e.gm, t)
        t1 = t + (r.randint(5, 19) if r.random() < 0.85 else r.randint(21, 90))
        t2 = max(t1 + 10, t + (r.randint(30, 58) if r.random() < 0.88 else r.randint(65, 180)))
        t3 = max(t2 + 10, t + (r.randint(80, 118) if r.random() < 0.88 else r.randint(125, 300)))
        yjj = f"{county.code}-YJJ"
        events: list[tuple[int, str, Data]] = [
            (t1, "accident.reported", {"accident_id": aid, "stage": "initial", "to_unit": yjj, "by": gm}),
            (
                t2,
                "accident.reported",
                {"accident_id": aid, "stage": "written", "to_unit": c.city_yjj, "by": county.yjj_head},
            ),
            (
                t3,
                "accident.reported",
                {"accident_id": aid, "stage": "detailed", "to_unit": c.city_yjj, "by": county.yjj_head},
            ),
        ]
        opened = (t // DAY + 1) * DAY + 9 * 60
        level, led_by = {
            "general": ("county", county.code),
            "larger": ("city", "371300"),
            "major": ("province", "370000"),
        }[grade]
        investigation: Data = {"accident_id": aid, "level": level, "led_by": led_by}
        events.append((opened, "accident.investigation_opened", investigation))
        concluded = opened + r.randint(30, 75) * DAY
        terr = holder_at(e.terr, t)
        responsible = [{"holder": gm, "responsibility": "direct"}]
        if e.deputy:
            responsible.append({"holder": e.deputy, "responsibility": "management"})
        responsible.append({"holder": terr, "responsibility": "supervisory", "note": "属地监管不到位"})
        if grade != "general":
            deputy = holder_at(tw.deputies, t)
            responsible.append({"holder": deputy, "responsibility": "leadership", "note": "分管领导责任"})
            responsible.append(
                {
                    "holder": county.industry_person[e.industry],
                    "responsibility": "supervisory",
                    "note": "行业监管不到位",
                }
            )
        events.append(
            (
                concluded,
                "accident.investigation_concluded",
                {
                    "accident_id": aid,
                    "findings": f"企业{'违规作业，' if illegal else ''}主体责任落实不到位，{what}事故系责任事故",
                    "responsible": responsible,
                },
            )
        )
        basis = [f"accident:{aid}"]
        t_s = concluded + r.randint(3, 20) * DAY + 10 * 60
        issuer = yjj if grade == "general" else c.city_yjj
        fine = {"general": r.randint(20, 100), "larger": r.randint(100, 200), "major": r.randint(200, 1000)}[grade]
        sanctions: list[tuple[str, str, str, Data]] = [
            (e.uid, "max_fine" if illegal or grade != "general" else "fine", issuer, {"amount_cny": fine * 10000})
        ]
        if grade == "general":
            if r.random() < 0.4:
                sanctions.append((terr, "criticism", yjj, {}))
        else:
            sanctions.append((gm, "criminal_referral", c.city_yjj, {}))
            sanctions.append((terr, "disciplinary", county.code, {}))
            sanctions.append((tw.code, "veto", "371300", {"note": "发生较大及以上事故，年度考核一票否决"}))
            sanctions.append((county.deputy, "interview", "371300", {}))
        if grade == "major":
            sanctions.append((holder_at(tw.principal, t), "disciplinary", "371300", {}))
            sanctions.append((f"{county.code}-{D.INDUSTRY_TABLE[e.industry][1]}", "veto", "371300", {}))
        for i, (target, kind, issued_by, extra) in enumerate(sanctions):
            sid = self.next_id("SAN", self.year_of(t_s), 5)
            events.append(
                (
                    t_s + i,
                    "sanction.imposed",
                    {
                        "sanction_id": sid,
                        "target": target,
                        "kind": kind,
                        "basis_refs": basis,
                        "issued_by": issued_by,
                        **extra,
                    },
                )
            )
        if grade != "general":  # 停产整顿 at once, lifted after acceptance
            sid = self.next_id("SAN", self.year_of(t), 5)
            events.append(
                (
                    opened + 60,
                    "sanction.imposed",
                    {
                        "sanction_id": sid,
                        "target": e.uid,
                        "kind": "suspension",
                        "basis_refs": basis,
                        "issued_by": c.city_yjj,
                        "note": "停产整顿",
                    },
                )
            )
            events.append(
                (
                    opened + r.randint(40, 90) * DAY,
                    "sanction.lifted",
                    {"sanction_id": sid, "reason": "整改验收合格，恢复生产"},
                )
            )
        events.sort(key=lambda ev: ev[0])
        for minute, type_, payload in events:
            out.add(minute, type_, payload)

    # --- illegal sites (非法窝点) and the 撤职 rule ---------------------------------------------

    def _illegal_sites(self, start: int, days: int) -> None:
        """Sites found by the townships; most stopped at once, the rest stopped later — except,
        from the provincial rule's date, one per township a month left to cost the township's
        heads of government (主要负责人和分管负责人) their posts."""
        r = self.r
        crackdown = start < CAMPAIGN_END and start + days * DAY > CAMPAIGN_START  # 二(四) 挨家挨户排查
        found = sorted(
            (
                (self.work_minute(start, min(days, 25)), r.choice(self.c.townships))
                for _ in range(self._poisson(12.0 if crackdown else 5.0))
            ),
            key=lambda site: site[0],
        )
        dismissed: set[str] = set()
        for t, tw in found:
            stopped = r.random() < 0.85
            sid = self.next_id("IS", self.year_of(t), 4)
            self.out.add(
                t,
                "illegal_site.found",
                {"site_id": sid, "unit_id": tw.code, "description": r.choice(D.ILLEGAL_SITES), "stopped": stopped},
            )
            if stopped:
                continue
            if t < CAMPAIGN_START or tw.code in dismissed or r.random() < 0.5:
                self._stop(sid, tw, t + r.randint(1, 12) * DAY + r.randint(0, 480))
                continue
            dismissed.add(tw.code)
            self._dismiss(tw, sid, t + r.randint(5, 8) * DAY)

    def _stop(self, site_id: str, tw: Township, t: int) -> None:
        data = {"site_id": site_id, "by": holder_at(tw.deputies, t), "measures": self.r.choice(D.STOP_MEASURES)}
        self.out.add(t, "illegal_site.stopped", data)

    def _dismiss(self, tw: Township, site_id: str, t: int) -> None:
        """撤职 of the township's 主要负责人 and 分管负责人, decided by the 县委 (who manages them),
        their successors appointed, their 乡包企 duties handed over, and the site stopped."""
        county = tw.county
        old = (holder_at(tw.principal, t), holder_at(tw.deputies, t))
        for target in old:
            self.out.add(
                t,
                "sanction.imposed",
                {
                    "sanction_id": self.next_id("SAN", self.year_of(t), 5),
                    "target": target,
                    "kind": "dismissal",
                    "basis_refs": [f"illegal_site:{site_id}", PROVINCE_POLICY],
                    "issued_by": county.code,
                    "note": "乡镇辖区一个月内发现非法企业且没有采取有效制止措施，县委决定撤职",
                },
            )
        day = (t // DAY + 3) * DAY
        _, head_title, deputy_title = township_titles(tw)
        basis = f"中共{county.name}委员会任免通知"
        new: list[str] = []
        for title, timeline, role in ((head_title, tw.principal, "principal"), (deputy_title, tw.deputies, "deputy")):
            pid = f"P-{tw.code}-{tw.next_person:03d}"
            tw.next_person += 1
            self.c.person(day - DAY + 9 * 60, pid, title, tw.code)
            new.append(pid)
            if role == "principal":
                aid = f"A-{tw.code}-PRINCIPAL-{len(timeline) + 1}"
                self.c.assign(day + 9 * 60, aid, "principal", pid, tw.code, day, supersedes=tw.principal_assignment,
                              basis=basis)  # fmt: skip
                tw.principal_assignment = aid
            else:
                aid = f"A-{tw.code}-DEPUTY-{len(timeline) + 1}"
                self.c.assign(day + 9 * 60, aid, "deputy_in_charge", pid, tw.code, day,
                              supersedes=tw.deputy_assignment, basis=basis)  # fmt: skip
                tw.deputy_assignment = aid
            timeline.append((day, pid))
        self._hand_over_covering(tw, dict(zip(old, new, strict=True)), day)
        self._stop(site_id, tw, day + DAY + 10 * 60)

    def _hand_over_covering(self, tw: Township, successor: dict[str, str], day: int) -> None:
        """乡包企: the enterprises a dismissed official covered pass to the successor."""
        for e in tw.enterprises:
            since, holder = e.cover[-1]
            if holder not in successor or since >= day or (e.closed_at is not None and e.closed_at <= day + 9 * 60):
                continue
            aid = f"A-{e.key}-COVERS-{len(e.cover) + 1}"
            self.c.assign(day + 9 * 60, aid, "covers", successor[holder], e.uid, day, supersedes=e.cover_assignment)
            e.cover.append((day, successor[holder]))
            e.cover_assignment = aid

    # --- monthly and half-monthly reports --------------------------------------------------------

    def _reports(self, start: int, end: int) -> None:
        r = self.r
        date = dt.date(2019, 1, 1) + dt.timedelta(days=start // DAY)
        period = f"{date.year}-{date.month:02d}"
        units = [tw.code for tw in self.c.townships] + self.c.city_departments
        for county in self.c.counties:
            units.extend(county.departments)
            for half, at in (("H1", start + 15 * DAY), ("H2", end)):
                t = at + r.randint(480, 1020) + (r.randint(1, 3) * DAY if r.random() < 0.05 else 0)
                self.out.add(
                    t,
                    "report.submitted",
                    {
                        "report_id": f"RPT-{county.code}-{period}-{half}",
                        "kind": "half_month_hazard",
                        "unit_id": county.code,
                        "period": f"{period}-{half}",
                        "title": "隐患排查治理半月报",
                    },
                )
        for unit in units:
            roll = r.random()
            if roll < 0.03:
                continue  # a missing report: the overdue list shows it
            if roll < 0.10:
                t = end + r.randint(1, 5) * DAY + r.randint(480, 1020)
            elif roll < 0.5:
                t = end - DAY + r.randint(600, 1020)
            else:
                t = end + r.randint(480, 690)
            self.out.add(
                t,
                "report.submitted",
                {
                    "report_id": f"RPT-{unit}-{period}",
                    "kind": "monthly",
                    "unit_id": unit,
                    "period": period,
                    "title": f"{date.month}月份安全生产工作月报",
                },
            )

    # --- exams (二(五)) and quarterly evaluations (二(一)) -------------------------------------------

    def _exams(self, start: int) -> None:
        """二(五): by 12-13 the above-scale principals of the listed industries (and of transport,
        construction, special equipment) sit the exam; a 负责人 in an industry the 应急管理系统
        supervises who fails the retake may not stay in post (一律不得继续担任现职): the
        enterprise appoints another. Elsewhere a letter goes to the authority (no event)."""
        r = self.r
        day = start + 9 * DAY + 9 * 60
        for e in self.c.enterprises:
            if e.closed_at is not None or not e.above or e.industry not in D.EXAM_INDUSTRIES + D.EXAM_ALSO:
                continue
            pid = holder_at(e.gm, day)
            subject = "主要负责人安全生产知识考试"
            score = max(20, min(100, round(r.gauss(80, 10))))
            self.out.add(
                day, "exam.taken", {"person_id": pid, "subject": subject, "score": score, "passed": score >= 60}
            )
            if score >= 60:
                continue
            again = day + 14 * DAY
            score2 = max(40, min(100, round(r.gauss(78, 9))))
            retake = {"person_id": pid, "subject": f"{subject}（补考）", "score": score2, "passed": score2 >= 60}
            self.out.add(again, "exam.taken", retake)
            if score2 < 60 and e.industry in D.EXAM_INDUSTRIES:
                removed = f"{D.BASIS_119} 二(五)3：考试不合格，不得继续担任现职"
                self._principal_handover(e, (again // DAY + 7) * DAY, basis=removed)

    def _evaluations(self, date: dt.date, end: int) -> None:
        """The quarter's 执法评估 (scored on its last day; 2019Q4 on 12-25, so that the 全市点评大会
        can act on it within the campaign: 警示 for the last county, 表态发言 for the last two
        counties and departments, the 市安委会 interviewing the last ten townships' 党政主要负责人)."""
        r = self.r
        period = f"{date.year}Q{(date.month - 1) // 3 + 1}"
        campaign_quarter = period == "2019Q4"
        t = minute_of(dt.date(2019, 12, 25)) + 16 * 60 if campaign_quarter else end - DAY + 16 * 60
        by_county: dict[str, int] = {}
        for tw in self.c.townships:
            by_county[tw.county.code] = by_county.get(tw.county.code, 0) + self.accidents_in.get(tw.code, 0)
        county_scores = sorted(
            ((round(c.quality + r.gauss(0, 3) - 2 * by_county.get(c.code, 0), 1), c.code) for c in self.c.counties),
            key=lambda s: (-s[0], s[1]),
        )
        town_scores = sorted(
            (
                (round(tw.quality + r.gauss(0, 4) - 3 * self.accidents_in.get(tw.code, 0), 1), tw.code)
                for tw in self.c.townships
            ),
            key=lambda s: (-s[0], s[1]),
        )
        dept_scores = sorted(
            ((round(r.uniform(82, 96), 1), d) for d in self.c.city_departments), key=lambda s: (-s[0], s[1])
        )
        for scope, scores in (("county", county_scores), ("township", town_scores), ("department", dept_scores)):
            for rank, (score, unit) in enumerate(scores, 1):
                self.out.add(
                    t,
                    "evaluation.scored",
                    {"unit_id": unit, "period": period, "score": score, "scope": scope, "rank": rank},
                )
        self.accidents_in = {}
        if campaign_quarter:
            self._ranking_consequences(period, t + 5 * DAY - 6 * 60, county_scores, town_scores, dept_scores)

    def _ranking_consequences(
        self,
        period: str,
        t: int,
        county_scores: list[tuple[float, str]],
        town_scores: list[tuple[float, str]],
        dept_scores: list[tuple[float, str]],
    ) -> None:
        towns = {tw.code: tw for tw in self.c.townships}
        outcomes: list[tuple[str, str, str]] = [(county_scores[-1][1], "admonition", "执法评估排名倒数第1，予以警示")]
        outcomes += [
            (code, "statement", "执法评估排名倒数后2名，在全市点评大会上做表态发言") for _, code in county_scores[-2:]
        ]
        outcomes += [
            (code, "statement", "执法评估排名倒数后2名，在全市点评大会上做表态发言") for _, code in dept_scores[-2:]
        ]
        for _, code in town_scores[-10:]:
            tw = towns[code]
            for head in (tw.secretary, holder_at(tw.principal, t)):
                outcomes.append((head, "interview", "执法评估排名后10位，市安委会领导约谈党政主要负责人"))
        for target, kind, note in outcomes:
            self.out.add(
                t,
                "sanction.imposed",
                {
                    "sanction_id": self.next_id("SAN", self.year_of(t), 5),
                    "target": target,
                    "kind": kind,
                    "basis_refs": [POLICY_ID],
                    "issued_by": "371300-AWH",
                    "note": f"{period}{note}",
                },
            )


def _next_meeting(after: int) -> int | None:
    """The first 580 meeting (the 30th, 10:00) at or after minute ``after``, during the campaign."""
    day = dt.date(2019, 1, 1) + dt.timedelta(days=after // DAY)
    for month_offset in range(3):
        year, month = day.year + (day.month - 1 + month_offset) // 12, (day.month - 1 + month_offset) % 12 + 1
        if month == 2:
            continue
        meeting = minute_of(dt.date(year, month, 30)) + 10 * 60
        if meeting >= after:
            return meeting if CAMPAIGN_START <= meeting < CAMPAIGN_END else None
    return None
