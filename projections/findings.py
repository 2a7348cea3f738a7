"""The findings of SPEC §6, computed when asked from the log-backed read models.

A finding is derived, never posted: it names the rule (a stable slug), the unit or person,
the period, the policy it was judged by (and so the document), and the events it rests on.
A reviewer decides; the ledger records the decision as a ``sanction.imposed``.

Periods are China's calendar (UTC+08:00): ``2019``, ``2019H2``, ``2019Q4``, ``2019-10``,
``2019-10-H1``. Without one, the current quarter. A finding belongs to the period in which
the fact it judges happened (the month of the sites, the exam, the accident, the penalty
that completes a count); a ranking belongs to every period that contains the scored one.

Implemented rules (slug: what, source):

- ``illegal_sites.dismissal`` — unstopped illegal sites in one calendar month ≥ the
  township / county threshold → dismissal finding against the principal and the deputy in
  charge (临沂 2019 方案 二(四));
- ``exam.principal_failed`` — a principal who failed ``exam.taken`` may not keep the post
  (临沂 2019 方案 二(五));
- ``ranking.county_warning``, ``ranking.county_statement``,
  ``ranking.department_statement``, ``ranking.township_interview`` — the bottom of a
  period's scores (临沂 2019 方案 二(一)3);
- ``accident.veto`` — 一票否决 for the township and the department responsible for an
  accident of a grade in ``veto_grades`` (枣庄 2021 通知 六);
- ``accident_investigation.level``, ``accident_investigation.report_overdue`` (条例 第19、29条;
  蓝山 2019 方案 四(七) for the elevated level);
- ``repeat_penalties.closure`` — 安全生产法 第113条;
- ``major_hazard.suspension`` — 三个一律 (蓝山 2019 方案 四(五)), where a policy asks for it.

Not implemented: the 580 cycle (临沂 2019 方案 二(六)2).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ledger.store.sql import SQL
from ledger.timeutil import format_recorded, utc_now
from projections.enforcement import CHINA, cite
from projections.units import policy_rules

__all__ = ["PENALTY_KINDS", "RULES", "Period", "findings", "parse_period"]

#: 行政处罚 kinds that count towards 安全生产法 第113条 (约谈, 黑名单 … are not penalties;
#: 关闭取缔 is the consequence itself)
PENALTY_KINDS = ("warning", "fine", "max_fine", "suspension", "license_suspended", "license_revoked")

#: slug → (Chinese title, English title, source)
RULES: dict[str, tuple[str, str, str]] = {
    "580.collection": (
        "“580”清零：每月25日前县区未提交隐患汇总",
        "The 580 cycle: a county with hazards that month submitted no hazard summary by the 25th",
        "临沂 2019 方案 二(六)2",
    ),
    "580.listing": (
        "“580”清零：每月30日重大隐患未挂牌督办",
        "The 580 cycle: a major hazard still open on the 30th and not listed for supervision",
        "临沂 2019 方案 二(六)2",
    ),
    "illegal_sites.dismissal": (
        "非法违法生产窝点未打击到位，对主要负责人和分管负责人撤职",
        "Unstopped illegal sites: dismissal of the principal and the deputy in charge",
        "临沂 2019 方案 二(四)",
    ),
    "exam.principal_failed": (
        "主要负责人考试不合格，不得继续任职",
        "A principal who failed the exam may not keep the post",
        "临沂 2019 方案 二(五)",
    ),
    "ranking.county_warning": (
        "季度考核排名末位县区，予以警示",
        "Bottom county of the quarter: warning",
        "临沂 2019 方案 二(一)3",
    ),
    "ranking.county_statement": (
        "季度考核排名后两位县区，表态发言",
        "Bottom counties of the quarter: statement",
        "临沂 2019 方案 二(一)3",
    ),
    "ranking.department_statement": (
        "季度考核排名后两位部门，表态发言",
        "Bottom departments of the quarter: statement",
        "临沂 2019 方案 二(一)3",
    ),
    "ranking.township_interview": (
        "季度考核排名后十位乡镇（街道），约谈主要负责人",
        "Bottom townships of the quarter: their leaders interviewed",
        "临沂 2019 方案 二(一)3",
    ),
    "accident.veto": (
        "发生较大及以上生产安全事故，实行一票否决",
        "One-vote veto after a serious accident",
        "枣庄 2021 通知 六",
    ),
    "accident_investigation.level": (
        "事故调查级别低于规定",
        "Accident investigated below the required level",
        "条例 第19条；蓝山 2019 方案 四(七)",
    ),
    "accident_investigation.report_overdue": (
        "事故调查报告逾期未提交",
        "Accident investigation report overdue",
        "条例 第29条",
    ),
    "repeat_penalties.closure": (
        "存在重大事故隐患且多次受到行政处罚，予以关闭",
        "A unit with a major hazard penalised repeatedly: closure",
        "安全生产法 (2021) 第113条",
    ),
    "major_hazard.suspension": (
        "存在重大事故隐患，一律停产停业整顿",
        "An open major hazard: suspension ordered (三个一律)",
        "蓝山 2019 方案 四(五)",
    ),
}

GRADE_LABELS = {"general": "一般", "larger": "较大", "major": "重大", "especially_major": "特别重大"}
LEVELS = ("county", "city", "province", "state")
REQUIRED_LEVEL = {"general": "county", "larger": "city", "major": "province", "especially_major": "state"}
COUNTY_KINDS = ("county", "dev_zone")


# -- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    start: str  # UTC keys, [start, end)
    end: str


_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4])|H([12])|-(0[1-9]|1[0-2])(?:-H([12]))?)?$")


def _local(year: int, month: int, day: int = 1) -> datetime:
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, day, tzinfo=CHINA)


def _key(moment: datetime) -> str:
    return format_recorded(moment)


def parse_period(label: str | None, now: datetime | None = None) -> Period:
    """``2019``, ``2019H2``, ``2019Q4``, ``2019-10``, ``2019-10-H1``; None = the current quarter."""
    if label is None:
        local = (now or utc_now()).astimezone(CHINA)
        label = f"{local.year}Q{(local.month - 1) // 3 + 1}"
    m = _PERIOD.match(label)
    if m is None:
        raise ValueError(f"{label!r} is not a period (2019, 2019H2, 2019Q4, 2019-10, 2019-10-H1)")
    year = int(m[1])
    if m[2]:
        first = _local(year, 3 * int(m[2]) - 2)
        start, end = first, _local(year, 3 * int(m[2]) + 1)
    elif m[3]:
        start, end = _local(year, 6 * int(m[3]) - 5), _local(year, 6 * int(m[3]) + 1)
    elif m[4] and m[5]:
        month = int(m[4])
        start = _local(year, month, 1 if m[5] == "1" else 16)
        end = _local(year, month, 16) if m[5] == "1" else _local(year, month + 1)
    elif m[4]:
        start, end = _local(year, int(m[4])), _local(year, int(m[4]) + 1)
    else:
        start, end = _local(year, 1), _local(year + 1, 1)
    return Period(label, _key(start), _key(end))


def _shift(key: str, days: float) -> str:
    moment = datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return _key(moment + timedelta(days=days))


# -- shared helpers -----------------------------------------------------------------------


class _Context:
    """One query's reads: the scope, the position, and caches of units and policies."""

    def __init__(self, db: SQL, scope: str | None, period: Period, position: int, now: str) -> None:
        self.db, self.scope, self.period, self.position, self.now = db, scope, period, position, now
        self.in_scope: set[str] | None = None
        self._units: dict[str, tuple[str, str]] = {}
        self._chains: dict[str, list[tuple[str, str]]] = {}
        self.holders_pending = False

    async def load(self) -> None:
        if self.scope is not None:
            rows = await self.db.fetch("SELECT unit_id FROM unit_ancestors WHERE ancestor_id = ?", self.scope)
            self.in_scope = {r[0] for r in rows}

    def covers(self, unit_id: str | None) -> bool:
        return self.in_scope is None or unit_id in self.in_scope

    async def unit(self, unit_id: str) -> tuple[str, str]:
        """(kind, name) of a unit, ('', unit_id) if unknown."""
        if unit_id not in self._units:
            rows = await self.db.fetch("SELECT kind, name FROM units WHERE unit_id = ?", unit_id)
            self._units[unit_id] = (rows[0][0], rows[0][1]) if rows else ("", unit_id)
        return self._units[unit_id]

    async def chain(self, unit_id: str) -> list[tuple[str, str]]:
        """[(ancestor_id, kind)] from the unit itself upwards."""
        if unit_id not in self._chains:
            rows = await self.db.fetch(
                "SELECT a.ancestor_id, u.kind FROM unit_ancestors a JOIN units u ON u.unit_id = a.ancestor_id "
                "WHERE a.unit_id = ? ORDER BY a.depth",
                unit_id,
            )
            self._chains[unit_id] = [(r[0], r[1]) for r in rows]
        return self._chains[unit_id]

    async def nearest(self, unit_id: str, kinds: Sequence[str]) -> str | None:
        return next((a for a, kind in await self.chain(unit_id) if kind in kinds), None)

    async def rule(self, unit_id: str, at: str, key: str) -> tuple[Any, dict[str, Any]]:
        """A rule's value in force for the unit at ``at``, and the policy it comes from."""
        rules, sources = await policy_rules(self.db, unit_id, at, self.position)
        in_force = [s["policy_id"] for s in sources]
        policy: dict[str, Any] = {"policy_id": None, "basis": None, "default": True, "in_force": in_force}
        if sources:
            marks = ", ".join("?" for _ in sources)
            rows = await self.db.fetch(
                f"SELECT policy_id, rules FROM policies WHERE policy_id IN ({marks})",
                *[s["policy_id"] for s in sources],
            )
            has_key = {pid for pid, text in rows if key in orjson.loads(text)}
            for source in sources:  # widest first: the last one that sets the key decided it
                if source["policy_id"] in has_key:
                    policy = {**source, "default": False, "in_force": in_force}
        return rules[key], policy

    async def holders(self, unit_id: str, at: str, roles: Sequence[str]) -> list[dict[str, Any]] | None:
        """Who held ``roles`` on the unit at ``at`` (None while the responsibility model is absent)."""
        try:
            from projections.responsibility import holders_at
        except ImportError:
            self.holders_pending = True
            return None
        found: list[dict[str, Any]] = await holders_at(self.db, unit_id, at, self.position, roles=list(roles))
        return found


def _finding(
    rule: str,
    subject: dict[str, Any],
    unit_id: str,
    period: str,
    policy: dict[str, Any],
    evidence: Iterable[dict[str, Any]],
    detail: dict[str, Any],
) -> dict[str, Any]:
    zh, en, source = RULES[rule]
    seen: dict[int, dict[str, Any]] = {}
    for ref in evidence:
        seen.setdefault(ref["position"], ref)
    return {
        "rule": rule,
        "title": {"zh": zh, "en": en},
        "source": source,
        "subject": subject,
        "unit_id": unit_id,
        "period": period,
        "policy": policy,
        "evidence": [seen[p] for p in sorted(seen)],
        "detail": detail,
    }


def _unit_subject(unit_id: str, kind_name: tuple[str, str]) -> dict[str, Any]:
    return {"kind": "unit", "id": unit_id, "unit_kind": kind_name[0], "name": kind_name[1]}


def _holder_subject(holder: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": holder.get("holder_kind", "person"),
        "id": holder["holder"],
        "name": holder.get("holder_name"),
        "role": holder.get("role"),
    }


def _holder_refs(holders: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    refs = []
    for holder in holders or ():
        for ref in holder.get("events", ()):
            refs.append({**ref, "type": ref.get("type", "assignment")})
    return refs


async def _against_holders(
    ctx: _Context,
    rule: str,
    unit_id: str,
    at: str,
    roles: Sequence[str],
    policy: dict[str, Any],
    evidence: list[dict[str, Any]],
    detail: dict[str, Any],
) -> list[dict[str, Any]]:
    """One finding per holder of ``roles`` on the unit at ``at``; the unit itself when nobody
    held them (a gap is itself worth a reviewer's eye) or while holders cannot be resolved."""
    holders = await ctx.holders(unit_id, at, roles)
    unit = _unit_subject(unit_id, await ctx.unit(unit_id))
    period = ctx.period.label
    if holders is None:
        return [_finding(rule, unit, unit_id, period, policy, evidence, {**detail, "holders_pending": True})]
    if not holders:
        gap = {**detail, "holders": [], "gap": f"nobody held {' / '.join(roles)} on {unit_id} at {at}"}
        return [_finding(rule, unit, unit_id, period, policy, evidence, gap)]
    return [
        _finding(
            rule,
            _holder_subject(h),
            unit_id,
            period,
            policy,
            [*evidence, *_holder_refs([h])],
            {**detail, "unit": unit, "assignment_id": h.get("assignment_id")},
        )
        for h in holders
    ]


# -- the rules ----------------------------------------------------------------------------


async def _illegal_sites(ctx: _Context) -> list[dict[str, Any]]:
    rows = await ctx.db.fetch(
        "SELECT site_id, unit_id, found_at, month, position, hash FROM illegal_sites "
        "WHERE stopped = 0 AND position <= ? AND found_at >= ? AND found_at < ? ORDER BY found_at, position",
        ctx.position,
        ctx.period.start,
        ctx.period.end,
    )
    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        groups[("township", row[1], row[3])].append(row)
        county = await ctx.nearest(row[1], COUNTY_KINDS)
        if county is not None:
            groups[("county", county, row[3])].append(row)
    out = []
    for (level, unit_id, month), sites in sorted(groups.items()):
        if not ctx.covers(unit_id):
            continue
        for count, site in enumerate(sites, 1):
            thresholds, policy = await ctx.rule(unit_id, site[2], "illegal_sites_dismissal")
            if count >= thresholds[level]:
                evidence = [cite(s[4], s[5], "illegal_site.found") for s in sites]
                detail = {
                    "level": level,
                    "month": month,
                    "unstopped_sites": [s[0] for s in sites],
                    "threshold": thresholds[level],
                    "judged_at": site[2],
                }
                out += await _against_holders(
                    ctx,
                    "illegal_sites.dismissal",
                    unit_id,
                    site[2],
                    ("principal", "deputy_in_charge"),
                    policy,
                    evidence,
                    detail,
                )
                break
    return out


async def _exam_failures(ctx: _Context) -> list[dict[str, Any]]:
    rows = await ctx.db.fetch(
        "SELECT e.person_id, e.subject, e.score, e.taken_at, e.position, e.hash, p.unit_id, p.name "
        "FROM exams e LEFT JOIN people p ON p.person_id = e.person_id "
        "WHERE e.passed = 0 AND e.position <= ? AND e.taken_at >= ? AND e.taken_at < ? ORDER BY e.position",
        ctx.position,
        ctx.period.start,
        ctx.period.end,
    )
    out = []
    for person_id, subject, score, taken_at, pos, hash_, unit_id, name in rows:
        if unit_id is None or not ctx.covers(unit_id):
            continue
        # the post a principal holds is on the unit the person belongs to (an enterprise's 总经理)
        holders = await ctx.holders(unit_id, taken_at, ("principal",))
        detail: dict[str, Any] = {"subject": subject, "score": score, "taken_at": taken_at}
        held: list[dict[str, Any]] = []
        if holders is None:
            detail["holders_pending"] = True
        else:
            held = [h for h in holders if h["holder"] == person_id]
            if not held:
                continue
            detail["assignment_id"] = held[0].get("assignment_id")
        # the rule has no threshold to take from a policy: it is the notice's own
        policy = {"policy_id": None, "basis": None, "default": True}
        evidence = [cite(pos, hash_, "exam.taken"), *_holder_refs(held)]
        person = {"kind": "person", "id": person_id, "name": name}
        out.append(_finding("exam.principal_failed", person, unit_id, ctx.period.label, policy, evidence, detail))
    return out


async def _rankings(ctx: _Context) -> list[dict[str, Any]]:
    rows = await ctx.db.fetch(
        "SELECT unit_id, period, scope, score, rank, position, hash FROM evaluations WHERE position <= ? "
        "ORDER BY position",
        ctx.position,
    )
    latest: dict[tuple[str, str], tuple[Any, ...]] = {}
    for row in rows:
        row_period = parse_period(row[1])
        if ctx.period.start <= row_period.start and row_period.end <= ctx.period.end:
            latest[(row[0], row[1])] = row  # a later score of the same unit and period replaces it
    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for row in latest.values():
        chain = await ctx.chain(row[0])
        root = next((a for a, kind in chain if kind in ("city", "province")), chain[-1][0] if chain else row[0])
        groups[(row[1], row[2], root)].append(row)
    rules = {
        "county": (("ranking.county_warning", "county_warning"), ("ranking.county_statement", "county_statement")),
        "department": (("ranking.department_statement", "county_statement"),),
        "township": (("ranking.township_interview", "township_interview"),),
    }
    out = []
    for (label, scope, root), scored in sorted(groups.items()):
        scored.sort(key=lambda r: (r[3], -(r[4] or 0), r[0]))
        start = parse_period(label).start
        bottom_n, policy = await ctx.rule(root, start, "ranking")
        for slug, key in rules.get(scope, ()):
            n = bottom_n[key]
            cutoff = scored[min(n, len(scored)) - 1][3]  # ties with the N-th from the bottom share its fate
            for place, row in enumerate(scored, 1):
                if row[3] > cutoff or not ctx.covers(row[0]):
                    continue
                unit = _unit_subject(row[0], await ctx.unit(row[0]))
                detail = {
                    "scored_period": label,
                    "scope": scope,
                    "score": row[3],
                    "from_bottom": place,
                    "bottom_n": n,
                    "of": len(scored),
                    "ranking_root": root,
                }
                evidence = [cite(row[5], row[6], "evaluation.scored")]
                if slug == "ranking.township_interview":
                    holders = await ctx.holders(row[0], _last_instant(ctx), ("principal", "deputy_in_charge"))
                    detail["leaders"] = None if holders is None else [_holder_subject(h) for h in holders]
                    evidence += _holder_refs(holders)
                out.append(_finding(slug, unit, row[0], ctx.period.label, policy, evidence, detail))
    return out


async def _accidents(ctx: _Context) -> list[tuple[Any, ...]]:
    return await ctx.db.fetch(
        "SELECT accident_id, unit_id, grade, occurred_at, position, hash FROM enforcement_accidents "
        "WHERE position <= ? AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at, position",
        ctx.position,
        ctx.period.start,
        ctx.period.end,
    )


async def _vetoes(ctx: _Context, accidents: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out = []
    for accident_id, unit_id, grade, occurred_at, pos, hash_ in accidents:
        grades, policy = await ctx.rule(unit_id, occurred_at, "veto_grades")
        if grade not in grades:
            continue
        evidence = [cite(pos, hash_, "accident.occurred")]
        detail = {
            "accident_id": accident_id,
            "grade": grade,
            "grade_label": GRADE_LABELS[grade],
            "accident_unit": unit_id,
            "occurred_at": occurred_at,
        }
        township = await ctx.nearest(unit_id, ("township",))
        if township is not None and ctx.covers(township):
            subject = _unit_subject(township, await ctx.unit(township))
            out.append(
                _finding(
                    "accident.veto",
                    subject,
                    township,
                    ctx.period.label,
                    policy,
                    evidence,
                    {**detail, "responsible_as": "territorial (township)"},
                )
            )
        supervisors = await ctx.holders(unit_id, occurred_at, ("industry_supervisor",))
        if supervisors is None:
            if ctx.covers(unit_id):
                out.append(
                    _finding(
                        "accident.veto",
                        _unit_subject(unit_id, await ctx.unit(unit_id)),
                        unit_id,
                        ctx.period.label,
                        policy,
                        evidence,
                        {**detail, "responsible_as": "industry supervisor", "holders_pending": True},
                    )
                )
            continue
        for holder in supervisors:
            department = await _department_of(ctx, holder)
            if department is None or not ctx.covers(department):
                continue
            subject = _unit_subject(department, await ctx.unit(department))
            out.append(
                _finding(
                    "accident.veto",
                    subject,
                    department,
                    ctx.period.label,
                    policy,
                    [*evidence, *_holder_refs([holder])],
                    {**detail, "responsible_as": "industry supervisor", "assignment_id": holder.get("assignment_id")},
                )
            )
    return out


async def _department_of(ctx: _Context, holder: dict[str, Any]) -> str | None:
    if holder.get("holder_kind") == "unit":
        return str(holder["holder"])
    if holder.get("holder_unit"):
        return str(holder["holder_unit"])
    rows = await ctx.db.fetch("SELECT unit_id FROM people WHERE person_id = ?", holder["holder"])
    return rows[0][0] if rows else None


async def _investigations(ctx: _Context, accidents: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out = []
    for accident_id, unit_id, grade, occurred_at, pos, hash_ in accidents:
        if not ctx.covers(unit_id):
            continue
        steps = await ctx.db.fetch(
            "SELECT stage, level, at, position, hash FROM enforcement_investigations "
            "WHERE accident_id = ? AND position <= ? ORDER BY position",
            accident_id,
            ctx.position,
        )
        opened = next((s for s in steps if s[0] == "opened"), None)
        concluded = next((s for s in steps if s[0] == "concluded"), None)
        subject = {"kind": "accident", "id": accident_id, "name": None}
        base = [cite(pos, hash_, "accident.occurred")]
        detail = {
            "accident_id": accident_id,
            "grade": grade,
            "grade_label": GRADE_LABELS[grade],
            "occurred_at": occurred_at,
        }
        elevate, elevate_policy = await ctx.rule(unit_id, occurred_at, "elevate_general_accidents")
        required = REQUIRED_LEVEL[grade]
        policy = {"policy_id": None, "basis": None, "default": True}
        if grade == "general" and elevate:
            required, policy = "city", elevate_policy
        if opened is not None and LEVELS.index(opened[1]) < LEVELS.index(required):
            out.append(
                _finding(
                    "accident_investigation.level",
                    subject,
                    unit_id,
                    ctx.period.label,
                    policy,
                    [*base, cite(opened[3], opened[4], "accident.investigation_opened")],
                    {**detail, "opened_level": opened[1], "required_level": required},
                )
            )
        days, days_policy = await ctx.rule(unit_id, occurred_at, "investigation_report_days")
        due = _shift(occurred_at, days)
        if concluded is not None and concluded[2] > due:
            late = {**detail, "due": due, "concluded_at": concluded[2], "report_days": days}
            out.append(
                _finding(
                    "accident_investigation.report_overdue",
                    subject,
                    unit_id,
                    ctx.period.label,
                    days_policy,
                    [*base, cite(concluded[3], concluded[4], "accident.investigation_concluded")],
                    late,
                )
            )
        elif concluded is None and ctx.now > due:
            missing = {**detail, "due": due, "concluded_at": None, "report_days": days, "as_of": ctx.now}
            refs = [*base] + ([cite(opened[3], opened[4], "accident.investigation_opened")] if opened else [])
            out.append(
                _finding(
                    "accident_investigation.report_overdue",
                    subject,
                    unit_id,
                    ctx.period.label,
                    days_policy,
                    refs,
                    missing,
                )
            )
    return out


async def _major_hazards(ctx: _Context, unit_id: str) -> list[tuple[Any, ...]]:
    """(hazard_id, reported_at, closed_at or None, position, hash) known at the position."""
    rows = await ctx.db.fetch(
        "SELECT hazard_id, reported_at, closed_at, closed_position, position, hash FROM enforcement_major_hazards "
        "WHERE unit_id = ? AND position <= ? ORDER BY reported_at",
        unit_id,
        ctx.position,
    )
    return [
        (h, rep, closed if cpos is not None and cpos <= ctx.position else None, pos, hash_)
        for h, rep, closed, cpos, pos, hash_ in rows
    ]


async def _repeat_penalties(ctx: _Context) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in PENALTY_KINDS)
    rows = await ctx.db.fetch(
        f"SELECT s.target, s.sanction_id, s.kind, s.imposed_at, s.position, s.hash FROM sanctions s "
        f"JOIN units u ON u.unit_id = s.target WHERE s.kind IN ({marks}) AND s.position <= ? AND s.imposed_at < ? "
        "ORDER BY s.target, s.imposed_at, s.position",
        *PENALTY_KINDS,
        ctx.position,
        ctx.period.end,
    )
    by_unit: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        if ctx.covers(row[0]):
            by_unit[row[0]].append(row)
    out = []
    for unit_id, penalties in sorted(by_unit.items()):
        hazards = await _major_hazards(ctx, unit_id)
        for i, last in enumerate(penalties):
            at = last[3]
            if at < ctx.period.start:
                continue
            open_then = [h for h in hazards if h[1] <= at and (h[2] is None or h[2] > at)]
            if not open_then:
                continue
            counts, policy = await ctx.rule(unit_id, at, "repeat_penalties")
            hit = None
            for days, key in ((180, "in_180_days"), (365, "in_365_days")):
                window = [p for p in penalties[: i + 1] if p[3] > _shift(at, -days)]
                if len(window) >= counts[key]:
                    hit = (days, counts[key], window)
                    break
            if hit is None:
                continue
            days, needed, window = hit
            evidence = [cite(p[4], p[5], "sanction.imposed") for p in window]
            evidence += [cite(h[3], h[4], "hazard.reported") for h in open_then]
            detail = {
                "penalties": [p[1] for p in window],
                "window_days": days,
                "threshold": needed,
                "major_hazards": [h[0] for h in open_then],
                "judged_at": at,
            }
            subject = _unit_subject(unit_id, await ctx.unit(unit_id))
            out.append(
                _finding("repeat_penalties.closure", subject, unit_id, ctx.period.label, policy, evidence, detail)
            )
            break
    return out


async def _suspensions(ctx: _Context) -> list[dict[str, Any]]:
    rows = await ctx.db.fetch(
        "SELECT hazard_id, unit_id, reported_at, position, hash, closed_at, closed_position "
        "FROM enforcement_major_hazards WHERE position <= ? AND reported_at < ? ORDER BY reported_at, position",
        ctx.position,
        ctx.period.end,
    )
    out = []
    for hazard_id, unit_id, reported_at, pos, hash_, closed_at, closed_pos in rows:
        if closed_pos is not None and closed_pos <= ctx.position and closed_at < ctx.period.start:
            continue
        if not ctx.covers(unit_id):
            continue
        at = max(reported_at, ctx.period.start)
        required, policy = await ctx.rule(unit_id, at, "major_hazard_requires_suspension")
        if not required:
            continue
        ordered = await ctx.db.fetch(
            "SELECT sanction_id FROM sanctions WHERE target = ? AND kind = 'suspension' AND imposed_at >= ? "
            "AND position <= ?",
            unit_id,
            reported_at,
            ctx.position,
        )
        if ordered:
            continue
        subject = _unit_subject(unit_id, await ctx.unit(unit_id))
        detail = {"hazard_id": hazard_id, "reported_at": reported_at, "suspension_ordered": False}
        out.append(
            _finding(
                "major_hazard.suspension",
                subject,
                unit_id,
                ctx.period.label,
                policy,
                [cite(pos, hash_, "hazard.reported")],
                detail,
            )
        )
    return out


async def findings(
    db: SQL, scope: str | None, period: str | None, position: int, *, now: str | None = None
) -> list[dict[str, Any]]:
    """Every finding of SPEC §6 for units in ``scope``'s subtree (all when None) in ``period``
    (default: the current quarter, China time), as the ledger knew it at ``position``.
    ``now`` (a UTC key, default the wall clock) decides what is overdue when nothing has
    concluded it yet."""
    now_key = now or _key(utc_now())
    ctx = _Context(db, scope, parse_period(period), position, now_key)
    await ctx.load()
    accidents = await _accidents(ctx)
    found = [
        *await _illegal_sites(ctx),
        *await _exam_failures(ctx),
        *await _rankings(ctx),
        *await _vetoes(ctx, accidents),
        *await _investigations(ctx, accidents),
        *await _repeat_penalties(ctx),
        *await _suspensions(ctx),
        *await _cycle_580(ctx),
    ]
    found.sort(key=lambda f: (f["rule"], f["unit_id"], str(f["subject"]["id"]), f["evidence"][0]["position"]))
    return found


def _last_instant(ctx: _Context) -> str:
    """The period's last microsecond, or now while the period is still running."""
    moment = datetime.strptime(ctx.period.end, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return min(_key(moment - timedelta(microseconds=1)), ctx.now)


# -- the 580 cycle (临沂 2019 方案 二(六)2) -----------------------------------------------------
# "5": on the 25th the city collects the hazards each county has submitted; "8": on the 28th
# experts consult; "0": on the 30th a meeting lists them for supervision (挂牌督办) with
# deadlines. "5" and "0" leave events in the log (report.submitted, hazard.supervision_listed);
# the consultation of the 28th does not, so no finding can rest on it.

_COLLECTION_KINDS = ("half_month_hazard", "monthly")


def _months(ctx: _Context) -> list[tuple[int, int]]:
    start = datetime.strptime(ctx.period.start, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).astimezone(CHINA)
    end = datetime.strptime(ctx.period.end, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).astimezone(CHINA)
    months, year, month = [], start.year, start.month
    while _local(year, month) < end:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _day_end(year: int, month: int, day: int) -> str:
    """The end of ``day`` (China time) of that month, the month's last day if shorter."""
    last = (_local(year, month + 1) - timedelta(days=1)).day
    return _key(_local(year, month, min(day, last)) + timedelta(days=1))


async def _cycle_580(ctx: _Context) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for year, month in _months(ctx):
        collect_by, list_by = _day_end(year, month, 25), _day_end(year, month, 30)
        if list_by <= ctx.now:
            out.extend(await _unlisted_majors(ctx, year, month, list_by))
        if collect_by <= ctx.now:
            out.extend(await _uncollected(ctx, year, month, collect_by))
    return out


async def _unlisted_majors(ctx: _Context, year: int, month: int, cutoff: str) -> list[dict[str, Any]]:
    """Major hazards open at the end of the 30th, as known at the position, never listed."""
    rows = await ctx.db.fetch(
        "SELECT t.hazard_id, t.unit_id, t.state, t.reported_at, r.position, r.hash FROM hazard_transitions t "
        "JOIN hazard_transitions r ON r.hazard_id = t.hazard_id AND r.type = 'hazard.reported' "
        "WHERE t.severity = 'major' AND t.position <= ? AND t.occurred_at < ? AND t.position = ("
        " SELECT MAX(x.position) FROM hazard_transitions x WHERE x.hazard_id = t.hazard_id"
        " AND x.position <= ? AND x.occurred_at < ?)"
        " AND t.state <> 'closed' AND t.supervision_level IS NULL",
        ctx.position,
        cutoff,
        ctx.position,
        cutoff,
    )
    out = []
    for hazard_id, unit_id, state, reported_at, pos, hash_ in rows:
        if not ctx.covers(unit_id):
            continue
        county = await ctx.nearest(unit_id, ("county", "dev_zone")) or unit_id
        _, policy = await ctx.rule(unit_id, cutoff, "hazard_progress_days")
        detail = {
            "month": f"{year}-{month:02d}",
            "hazard_id": hazard_id,
            "state": state,
            "reported_at": reported_at,
            "listed_by": cutoff,
        }
        out.append(
            _finding(
                "580.listing",
                _unit_subject(county, await ctx.unit(county)),
                county,
                ctx.period.label,
                policy,
                [cite(pos, hash_, "hazard.reported")],
                detail,
            )
        )
    return out


async def _uncollected(ctx: _Context, year: int, month: int, cutoff: str) -> list[dict[str, Any]]:
    """Counties whose units reported hazards that month, with no hazard summary by the 25th."""
    month_start = _key(_local(year, month))
    rows = await ctx.db.fetch(
        "SELECT a.ancestor_id, t.position, t.hash FROM hazard_transitions t "
        "JOIN unit_ancestors a ON a.unit_id = t.unit_id JOIN units u ON u.unit_id = a.ancestor_id "
        "WHERE t.type = 'hazard.reported' AND t.position <= ? AND t.occurred_at >= ? AND t.occurred_at < ? "
        "AND u.kind IN ('county', 'dev_zone') ORDER BY t.position",
        ctx.position,
        month_start,
        cutoff,
    )
    hazards: dict[str, list[tuple[int, str]]] = {}
    for county, pos, hash_ in rows:
        hazards.setdefault(county, []).append((pos, hash_))
    label = f"{year}-{month:02d}"
    out = []
    for county, found in sorted(hazards.items()):
        if not ctx.covers(county):
            continue
        submitted = await ctx.db.fetch(
            "SELECT 1 FROM reports WHERE unit_id = ? AND kind IN (?, ?) AND (period = ? OR period LIKE ?) "
            "AND occurred_at < ? AND position <= ?",
            county,
            *_COLLECTION_KINDS,
            label,
            f"{label}-H%",
            cutoff,
            ctx.position,
        )
        if submitted:
            continue
        _, policy = await ctx.rule(county, cutoff, "hazard_progress_days")
        detail = {
            "month": label,
            "hazards_reported": len(found),
            "collect_by": cutoff,
            "report_kinds": list(_COLLECTION_KINDS),
        }
        evidence = [cite(pos, hash_, "hazard.reported") for pos, hash_ in found[:20]]
        subject = _unit_subject(county, await ctx.unit(county))
        out.append(_finding("580.collection", subject, county, ctx.period.label, policy, evidence, detail))
    return out
