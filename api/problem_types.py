"""Every kind of error the service answers, in Chinese and English: the one catalogue of
problem types (RFC 9457 ``type``), and the page each type URI resolves to.

A problem document's ``type`` is ``/problems/<slug>`` on the service itself; ``GET`` it (no
token needed) and an official reads what the error means and what to do about it. A slug
that is not in ``PROBLEM_TYPES`` cannot be raised (``api.problems.Problem`` refuses it), so
no client ever follows a type URI to nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Final

from aiohttp import web

__all__ = ["PROBLEM_TYPES", "TYPE_PATH", "ProblemType", "get_problem_index", "get_problem_page", "type_uri"]

TYPE_PATH: Final = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    title: str  # Chinese, the problem's ``title``
    title_en: str
    meaning: str  # Chinese: what happened, and what to do (the default ``detail``, and the page)
    meaning_en: str


PROBLEM_TYPES: Final[dict[str, ProblemType]] = {
    "bad-parameter": ProblemType(
        "参数错误",
        "Bad parameter",
        "查询参数或路径参数不正确（格式、取值范围或长度）。请按 errors 中指出的参数改正后重试；本次请求未作任何修改。",
        "A query or path parameter is malformed, out of range or too long. Correct the parameter "
        "named in `errors` and ask again; nothing was changed.",
    ),
    "malformed": ProblemType(
        "请求内容无法解析",
        "Malformed request body",
        "请求体不是合法的 JSON，或为空、结构不对（应为一个事件对象或事件数组）。本次请求未追加任何事件。",
        "The body is not valid JSON, is empty, or is not an event or an array of events. Nothing was appended.",
    ),
    "malformed-request": ProblemType(
        "HTTP 请求不合法",
        "Malformed HTTP request",
        "请求本身不符合 HTTP 规范（请求行或头过长、含控制字符等），服务器无法读取。连接随后关闭。",
        "The request is not valid HTTP (a request line or header too long, control bytes …); the "
        "connection is closed afterwards.",
    ),
    "invalid-event": ProblemType(
        "事件格式不合法",
        "Invalid event",
        "事件的信封或数据字段不符合事件目录的格式（缺少字段、类型不对、取值不在允许范围内）。"
        "errors 列出每个出错字段的路径；整批事件均未追加。",
        "The event's envelope or data does not match the event catalogue (a missing field, a "
        "wrong type, a value outside those allowed). `errors` gives the path of each bad field; "
        "nothing of the batch was appended.",
    ),
    "domain-rule": ProblemType(
        "违反安全生产责任规则",
        "Refused by a rule of duty",
        "事件格式正确，但违反了账本所执行的责任规则（例如：隐患未经整改不得销号、整改期限不得早于发现时间、"
        "同一单位同一时段只能有一名同类责任人）。rule 给出规则编号，errors 给出字段路径；整批事件均未追加。"
        "如需更正已记录的事实，请追加更正事件。",
        "The event is well formed but a rule of work-safety duty refuses it (a hazard closed "
        "without rectification, a deadline before the hazard was found, two holders of one "
        "exclusive role …). `rule` names the rule, `errors` the field; nothing of the batch was "
        "appended. To change a recorded fact, append a correction event.",
    ),
    "version-conflict": ProblemType(
        "版本冲突",
        "Version conflict",
        "提交时声明的流版本（expected_version）与账本中的当前版本不一致：有人先一步追加了事件。"
        "请重新读取该实体的当前状态后再提交。",
        "The stream's version stated with the event is not the current one: someone appended "
        "first. Read the entity again and resubmit.",
    ),
    "idempotency-conflict": ProblemType(
        "幂等键重复使用",
        "Idempotency key reused",
        "该 Idempotency-Key 已用于另一个内容不同的请求。同一请求重发时请使用相同的键和相同的内容；新请求请换用新键。",
        "The Idempotency-Key was used before for a different request. Resend a request with "
        "the same key and the same body; use a new key for a new request.",
    ),
    "unauthorized": ProblemType(
        "未认证",
        "Unauthorized",
        "请求未携带有效的访问令牌，或令牌已吊销、已过期，或登录已失效。请使用 Authorization: Bearer 令牌，或重新登录。",
        "No valid token: send `Authorization: Bearer …` with a token that is not revoked or expired, or sign in again.",
    ),
    "forbidden": ProblemType(
        "无权操作",
        "Forbidden",
        "该令牌的角色不允许此操作（录入员只能在本辖区录入，查阅员只能查阅，导出卷宗需调查员或管理员）。",
        "The token's role may not do this (a recorder writes within its jurisdiction, a viewer "
        "reads, dossiers are for investigators and admins).",
    ),
    "out-of-scope": ProblemType(
        "超出辖区",
        "Outside your jurisdiction",
        "录入员只能录入本辖区内的事项：事件所涉及的每个单位（以及所涉人员的所属单位）都须在令牌的辖区之内。"
        "本次请求未追加任何事件。",
        "A recorder posts events whose every unit (and every person's home unit) lies in its "
        "jurisdiction; nothing was appended.",
    ),
    "cross-origin": ProblemType(
        "跨站请求被拒绝",
        "Cross-origin request refused",
        "使用登录凭据（Cookie）的修改请求只能来自本系统自己的页面。",
        "A change made with the sign-in cookie must come from the ledger's own page.",
    ),
    "not-found": ProblemType(
        "未找到",
        "Not found",
        "所请求的对象不存在，或不在本令牌的辖区内（两者对外不作区分，以免泄露其他辖区的信息）。",
        "The thing asked about does not exist, or lies outside the token's jurisdiction (the "
        "two look the same, so that nothing leaks about other jurisdictions).",
    ),
    "method-not-allowed": ProblemType(
        "不支持的请求方法",
        "Method not allowed",
        "该地址不支持此 HTTP 方法，请查阅 /v1/openapi.json。",
        "The path does not take this HTTP method; see /v1/openapi.json.",
    ),
    "too-large": ProblemType(
        "请求或结果过大",
        "Too large",
        "请求体超过上限，或所要求的导出超过上限。请分批提交，或缩小筛选范围（辖区、状态、时段）。",
        "The request body, or the export asked for, exceeds the limit: send smaller batches, or "
        "narrow the filter (jurisdiction, state, period).",
    ),
    "not-ready": ProblemType(
        "读模型尚未同步",
        "Read models behind",
        "账本已记录该位置的事件，但读模型尚未处理到该位置。为保证回答如实反映所声称的时点，本次不作回答；"
        "请按 Retry-After 稍后重试。",
        "The ledger holds the events up to the position asked about, but the read models have "
        "not folded them yet; rather than answer from an older state, the service asks you to "
        "retry after `Retry-After` seconds.",
    ),
    "store-unavailable": ProblemType(
        "账本暂不可用",
        "Ledger unavailable",
        "数据库暂时无法连接。本次请求未作任何修改，请按 Retry-After 稍后重试。",
        "The database cannot be reached; nothing was changed. Retry after `Retry-After` seconds.",
    ),
    "integrity-alarm": ProblemType(
        "完整性告警：账本拒绝写入",
        "Integrity alarm: writes refused",
        "数据库中的日志与账本已签名的检查点不一致（事件被删除、截断或改写）。在管理员查明原因之前，账本拒绝一切写入，"
        "也不再签发检查点。请立即通知系统管理员，并保留现有导出卷宗作为证据。",
        "The log in the database is not the one the ledger signed (events deleted, cut or "
        "rewritten). Until an administrator has found out why, every write is refused and no "
        "checkpoint is signed. Tell the administrator; keep the dossiers already exported.",
    ),
    "unstorable": ProblemType(
        "无法存储",
        "Cannot be stored",
        "事件含有无法存储的内容（例如 NUL 字符或超出范围的数值）。本次请求未追加任何事件。",
        "The event holds something that cannot be stored (a NUL character, a number out of "
        "range …); nothing was appended.",
    ),
    "font-missing": ProblemType(
        "卷宗字体缺失",
        "Dossier fonts missing",
        "服务器缺少生成 PDF 卷宗所需的中文字体，请管理员安装（见 README）。",
        "The server lacks the Chinese fonts the PDF dossier embeds; an administrator must "
        "install them (see the README).",
    ),
    "internal": ProblemType(
        "服务内部错误",
        "Internal error",
        "服务在处理请求时出错，错误已按请求编号（X-Request-Id）记录。请将请求编号告知管理员。",
        "The service failed to answer; the error is logged under the request id "
        "(X-Request-Id). Give it to the administrator.",
    ),
    "http-error": ProblemType(
        "HTTP 错误",
        "HTTP error",
        "请求未能按 HTTP 规范完成，详见 detail。",
        "The request could not be served as HTTP; see `detail`.",
    ),
}


def type_uri(slug: str) -> str:
    """The ``type`` of a problem: a path of this service (resolved against the request's URL)."""
    return TYPE_PATH + slug


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:44em;margin:2em auto;line-height:1.7;padding:0 1em}}
code{{background:#f3f3f3;padding:0 .2em}} .en{{color:#555}}</style></head>
<body>{body}</body></html>
"""


def _section(slug: str, kind: ProblemType) -> str:
    e = html.escape
    return (
        f'<section id="{e(slug)}"><h2>{e(kind.title)} <small class="en">{e(kind.title_en)}</small></h2>'
        f"<p>类型 <code>{e(type_uri(slug))}</code></p><p>{e(kind.meaning)}</p>"
        f'<p class="en" lang="en">{e(kind.meaning_en)}</p></section>'
    )


async def get_problem_page(request: web.Request) -> web.Response:
    """``GET /problems/{slug}``: what the error means, in Chinese and English (no token)."""
    slug = request.match_info["slug"]
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        raise web.HTTPNotFound()  # answered as a not-found problem by the middleware
    body = f'{_section(slug, kind)}<p><a href="{TYPE_PATH}">全部错误类型 All problem types</a></p>'
    return web.Response(text=_PAGE.format(title=html.escape(kind.title), body=body), content_type="text/html")


async def get_problem_index(request: web.Request) -> web.Response:
    """``GET /problems/``: every problem type the service answers."""
    body = "<h1>错误类型 Problem types</h1>" + "".join(_section(s, k) for s, k in PROBLEM_TYPES.items())
    return web.Response(text=_PAGE.format(title="错误类型", body=body), content_type="text/html")
