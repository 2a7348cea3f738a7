"""docs/rules.md is complete and agrees with the code (issue 15 item 4): every policy rule key,
finding, overdue kind, accident deadline and domain refusal has its entry; every entry names
a module and tests that exist; every quote is the code's own (the code is the one home of
each quote: ledger/policies/*.json, projections/findings/rules.py, BASELINE_SOURCES), a
notice's words verbatim, or a national text quoted identically wherever it is quoted.

Each failure names what is missing or wrong, so that whoever adds a rule knows what to write."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import projections.accidents
from ledger.domain.policy import BASELINE_SOURCES, RULE_KEYS
from ledger.domain.schema import POLICY_RULES, SCHEMAS
from ledger.domain.validate import SCHEMA_RULE
from ledger.policies import READY
from projections.findings.rules import RULES
from projections.overdue import KINDS
from tests.helpers import TEXTS, notice_text

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
#: the sections of the document, by the English words of their headings
SECTIONS = {
    "policy": "Policy rule keys",
    "findings": "Findings",
    "overdue": "Overdue kinds",
    "accidents": "Accident deadlines",
    "domain": "Domain refusals",
}
#: what projections/accidents judges an accident's deadlines with
ACCIDENT_JUDGES = ("report_stages", "escalation", "investigation")
NATIONAL = "《"  # a national text is quoted as 《title》第…条：…, a notice's words as they stand
_TICKS = re.compile(r"`([^`]+)`")


@dataclass
class Entry:
    section: str
    keys: list[str]
    lines: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def named(self, label: str) -> list[str]:
        """The back-ticked items of the bullet labelled ``label`` (判定模块, 测试, 规则键)."""
        return [item for bullet in self.bullets if f"**{label}**" in bullet for item in _TICKS.findall(bullet)]


@cache
def entries() -> tuple[Entry, ...]:
    """Every entry (a ``####`` heading naming its keys) with the section it stands in."""
    found: list[Entry] = []
    section: str | None = None
    current: Entry | None = None
    quote: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if quote is not None and not line.startswith(">"):
            assert current is not None
            current.quotes.append("".join(quote))
            quote = None
        if line.startswith("#"):
            current = None
            if line.startswith("## "):
                section = next((s for s, words in SECTIONS.items() if words in line), None)
            elif line.startswith("#### ") and section is not None:
                current = Entry(section, _TICKS.findall(line))
                found.append(current)
            continue
        if current is None:
            continue
        current.lines.append(line)
        if line.startswith(">"):
            quote = [*(quote or []), line[1:].strip()]
        elif line.startswith("- "):
            current.bullets.append(line)
        elif line.startswith("  ") and line.strip() and current.bullets:
            current.bullets[-1] += " " + line.strip()
    if quote is not None and current is not None:
        current.quotes.append("".join(quote))
    return tuple(found)


def in_section(section: str) -> dict[str, Entry]:
    return {key: entry for entry in entries() if entry.section == section for key in entry.keys}


def coverage(section: str, expected: set[str], what: str) -> list[str]:
    have = in_section(section)
    problems = [
        f"docs/rules.md ({SECTIONS[section]}): no entry for {what} `{key}`" for key in sorted(expected - set(have))
    ]
    problems += [
        f"docs/rules.md ({SECTIONS[section]}): an entry for `{key}`, which is no {what} of the code"
        for key in sorted(set(have) - expected)
    ]
    return problems


def domain_rule_slugs() -> set[str]:
    """Every ``DomainRefused(rule, …)`` of ledger/domain, the schema's own rules, and ``schema``."""
    slugs = {SCHEMA_RULE}
    for path in sorted((ROOT / "ledger" / "domain").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "DomainRefused"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                slugs.add(node.args[0].value)

    def walk(spec: Any) -> Iterator[str]:
        if isinstance(spec, dict):
            if isinstance(spec.get("rule"), str):
                yield spec["rule"]
            for value in spec.values():
                yield from walk(value)

    for fields in SCHEMAS.values():
        slugs.update(walk(fields))
    return slugs


@cache
def defined_in(path: Path) -> frozenset[str]:
    """The names a Python file defines at its top level (functions, classes, constants)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return frozenset(names)


def missing_reference(reference: str, tests: bool) -> str | None:
    """Why ``path`` or ``path::name`` does not name what the entry says, or None."""
    path_text, _, name = reference.partition("::")
    path = ROOT / path_text
    if not path_text.endswith(".py") or not path.is_file():
        return f"`{path_text}` is no file of the repository"
    if tests and not name.startswith("test_"):
        return f"`{reference}` names no test (path::test_name)"
    if name and name not in defined_in(path):
        return f"`{path_text}` defines no `{name}`"
    return None


def notice_texts() -> dict[str, str]:
    return {notice: notice_text(notice) for notice in TEXTS}


def no_problems(problems: list[str]) -> None:
    """Fail naming every problem, one a line."""
    assert not problems, "\n" + "\n".join(problems)


def national_prefix(quote: str) -> str:
    """《title》第…条 — what a national quote cites."""
    return quote.split("：", 1)[0]


# --- every key has its entry ---------------------------------------------------------------


def test_the_document_has_its_five_sections() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [words for words in SECTIONS.values() if not re.search(rf"^## .*{words}", text, re.M)]
    no_problems([f"docs/rules.md: no section headed `## … {words}`" for words in missing])


def test_every_policy_rule_key_has_its_entry() -> None:
    """BASELINE_RULES and the baseline rules with no number (BASELINE_SOURCES), LOCAL_KEYS, and
    every key the schema of ``policy.adopted`` accepts."""
    no_problems(coverage("policy", set(RULE_KEYS) | set(BASELINE_SOURCES) | set(POLICY_RULES), "policy rule key"))


def test_every_finding_has_its_entry() -> None:
    no_problems(coverage("findings", set(RULES), "finding slug"))


def test_every_overdue_kind_has_its_entry() -> None:
    no_problems(coverage("overdue", set(KINDS), "overdue kind"))


def test_every_accident_deadline_has_its_entry() -> None:
    no_problems(
        [f"projections.accidents exports no `{j}`" for j in ACCIDENT_JUDGES if j not in projections.accidents.__all__]
    )
    no_problems(coverage("accidents", set(ACCIDENT_JUDGES), "accident deadline judge"))


def test_every_domain_refusal_has_its_entry() -> None:
    slugs = domain_rule_slugs()
    assert {"hazard.lifecycle", "accident.report_stage", "illegal_site.stopped", "accident.grade"} <= slugs
    no_problems(coverage("domain", slugs, "domain rule slug"))


# --- every entry names what exists ------------------------------------------------------------


def test_every_entry_names_a_module_and_tests_that_exist() -> None:
    problems = []
    for entry in entries():
        where = f"docs/rules.md entry {', '.join(f'`{k}`' for k in entry.keys)}"
        modules, tests = entry.named("判定模块"), entry.named("测试")
        if not modules:
            problems.append(f"{where}: names no module (- **判定模块**：`path`)")
        if not tests:
            problems.append(f"{where}: names no test (- **测试**：`path::test_name`)")
        problems += [f"{where}: {why}" for m in modules if (why := missing_reference(m, tests=False))]
        problems += [f"{where}: {why}" for t in tests if (why := missing_reference(t, tests=True))]
    no_problems(problems)


def test_every_finding_and_overdue_entry_names_its_policy_key() -> None:
    known = set(RULE_KEYS) | set(BASELINE_SOURCES)
    problems = []
    for section in ("findings", "overdue", "accidents"):
        for key, entry in in_section(section).items():
            named = entry.named("规则键")
            problems += [f"`{key}`: `{k}` is no policy rule key" for k in named if k not in known]
            rule = RULES.get(key) if section == "findings" else None
            if rule is not None and rule.key is not None and rule.key not in named:
                problems.append(f"`{key}`: its policy key is `{rule.key}` (projections/findings/rules.py)")
            if not named or (rule is not None and rule.key is None and not set(named) & set(BASELINE_SOURCES)):
                problems.append(
                    f"`{key}`: name the key that switches it on, or its national baseline key (- **规则键**)"
                )
    no_problems(problems)


# --- every quote is the code's, the notice's or the law's -------------------------------------


def test_the_baseline_keys_cite_the_code_s_national_text() -> None:
    policy = in_section("policy")
    no_problems([f"`{k}`: cite {source}" for k, source in BASELINE_SOURCES.items() if source not in policy[k].text])


def test_the_ready_policies_quotes_are_the_documents() -> None:
    """Each key a ready policy sets quotes that policy's sentence (ledger/policies/*.json) and
    names the policy; a notice's words in a policy-key entry are some policy's sentence."""
    policy = in_section("policy")
    problems = []
    for ready in READY.values():
        for key, source in ready.sources.items():
            entry = policy[key]
            if source["quote"] not in entry.quotes:
                problems.append(f"`{key}`: quote {ready.policy_id}'s sentence exactly: {source['quote']}")
            if ready.policy_id not in entry.text:
                problems.append(f"`{key}`: name the policy {ready.policy_id}")
    for key, entry in policy.items():
        theirs = {r.sources[k]["quote"] for r in READY.values() for k in entry.keys if k in r.sources}
        stray = [q for q in entry.quotes if not q.startswith(NATIONAL) and q not in theirs]
        problems += [f"`{key}`: a quote no ready policy carries for it: {q}" for q in stray]
    no_problems(problems)


def test_the_findings_quotes_are_the_rules() -> None:
    """A finding's entry quotes exactly what projections/findings/rules.py carries for each of
    its slugs, and nothing else, and names the document."""
    problems = []
    for slug, entry in in_section("findings").items():
        rule = RULES[slug]
        if rule.quote not in entry.quotes:
            problems.append(f"`{slug}`: quote projections/findings/rules.py exactly: {rule.quote}")
        if rule.document not in entry.text:
            problems.append(f"`{slug}`: name the document as the code does: {rule.document}")
        wanted = {RULES[k].quote for k in entry.keys if k in RULES}
        problems += [f"`{slug}`: a quote the code does not carry for it: {q}" for q in entry.quotes if q not in wanted]
    no_problems(problems)


def test_every_quote_is_a_notice_s_own_words_or_a_national_text() -> None:
    texts = notice_texts()
    problems = [
        f"`{entry.keys[0]}`: not the words of any notice (tests/vectors/notices): {quote}"
        for entry in entries()
        for quote in entry.quotes
        if not quote.startswith(NATIONAL) and not any(quote in text for text in texts.values())
    ]
    no_problems(problems)


def test_a_national_text_is_quoted_alike_everywhere_and_as_the_code_quotes_it() -> None:
    """The same article reads the same in every entry, and as projections/findings/rules.py
    quotes it where it does."""
    seen: dict[str, str] = {
        national_prefix(rule.quote): rule.quote for rule in RULES.values() if rule.quote.startswith(NATIONAL)
    }
    problems = []
    for entry in entries():
        for quote in entry.quotes:
            if not quote.startswith(NATIONAL):
                continue
            prefix = national_prefix(quote)
            if seen.setdefault(prefix, quote) != quote:
                problems.append(f"`{entry.keys[0]}`: {prefix} quoted otherwise than elsewhere: {quote}")
    no_problems(problems)


def test_the_code_s_quotes_of_the_notices_are_verbatim() -> None:
    """The findings' quotes of a notice are found word for word in it (the policies' quotes are
    checked by tests/unit/test_policies.py)."""
    texts = notice_texts()
    problems = []
    for rule in RULES.values():
        if rule.quote.startswith(NATIONAL):
            continue
        notice = next((n for n in TEXTS if rule.document.startswith(n)), None)
        if notice is None:
            problems.append(f"{rule.slug}: its document {rule.document!r} names no notice of seeds/")
        elif rule.quote not in texts[notice]:
            problems.append(f"{rule.slug}: not the words of {notice}: {rule.quote}")
    no_problems(problems)


def test_the_readme_links_the_document() -> None:
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
