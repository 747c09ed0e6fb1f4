"""答复质量: scores an official reply against its appeal for relevance, completeness, basis
(policy or law cited) and timeliness. Pure, CPU-cheap functions (well under a millisecond per
reply after the idf table is loaded once per process); the appeals app calls
`score_reply_for_appeal` through the REPLY_SCORER setting.

Settings (read with getattr, defaults here): REPLY_REVIEW_THRESHOLD, REPLY_SCORE_WEIGHTS,
REPLY_DEADLINE_WORKDAYS, REPLY_LATE_ZERO_WORKDAYS, REPLY_IDF_PATH."""

from __future__ import annotations

import gzip
import json
import logging
import math
import random
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.core.calendar import LOCAL, Calendar

log = logging.getLogger(__name__)

# The method's defaults (bench/replies.py measures them); what runs is the REPLY_* settings
# (lianxin/settings.py, docs/settings.md), which start from the same values.
DEFAULT_THRESHOLD = 0.5
DEFAULT_WEIGHTS = {"relevance": 0.3, "completeness": 0.4, "basis": 0.1, "timeliness": 0.2}
# Without a deadline: the hotline's ordinary handling limit; the score falls to 0 at that many
# working days late.
DEFAULT_DEADLINE_WORKDAYS = 7
DEFAULT_LATE_ZERO_WORKDAYS = 15
DEFAULT_IDF_PATH = Path(__file__).resolve().parents[2] / "data" / "insight" / "reply-idf.json.gz"

# A point counts as answered when this share of its key terms (weighted by idf) recurs in the
# substance of the reply; below it, the point scores proportionally.
COVER = 0.25
# Characters of substance (not greetings, thanks, "received", quoted appeal text) for full marks.
SUBSTANCE_FULL = 30
SUBSTANCE_MIN = 8
MAX_POINTS = 8
# A point needs this many informative tokens to be checked on its own.
MIN_TERMS = 3
# ... and counts as answered when this many of its rare tokens (idf ≥ RARE_IDF, names of
# places, estates, companies, roads) recur in the reply, whatever their share.
RARE_HITS = 3
RARE_IDF = 5.0

# --- text ------------------------------------------------------------------------------------

_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).replace("_x000D_", " ")
    return _WS.sub(" ", text).strip()


# What a citizen complains of and what the unit says it did are often said in different words
# with no character in common: 倾倒 → 清运, 异味 → 除臭, 噪音 → 停止夜间作业, 要求退款 → 定金退还.
# Bigram overlap cannot see that a reply about 清运、除臭、停止夜间作业 answers a complaint about
# 倾倒、异味、噪音, so it read such replies as off the point. Each class below names one matter of
# the hotline's everyday work, with the words on both sides; a text mentioning any of them also
# carries the class as a token ("~noise"), weighed by its idf like any other token.
CONCEPTS = {
    "noise": "噪音 噪声 吵闹 吵得 轰鸣 鸣笛 分贝 降噪 隔音 夜间作业 夜间施工 夜间生产 夜间装卸 停止夜间",
    "odour": "臭 异味 气味 难闻 刺鼻",
    "waste": "垃圾 废料 废渣 废物 固废 渣土 倾倒 偷倒 乱倒 乱扔 乱堆 清运 堆放",
    "dust": "扬尘 粉尘 灰尘 烟尘 废气 油烟 烟雾 焚烧 抑尘 雾炮",
    "sewage": "污水 排污 废水 水质 直排 截污",
    "flooding": "积水 内涝 下水道 排水 疏通 堵塞 管网",
    "water": "停水 供水 水压 自来水 水管 水表",
    "power": "停电 供电 电压 电网 电力 跳闸",
    "gas": "燃气 天然气 煤气 供暖 暖气 供热",
    "refund": "退款 退费 退还 退钱 返还 定金 押金 订金 退回",
    "wages": "工资 欠薪 薪酬 劳动报酬 讨薪 拖欠",
    "parking": "停车 车位 车库 泊位",
    "lights": "路灯 照明 亮灯 灯不亮",
    "traffic": "红绿灯 信号灯 斑马线 人行道 减速带 拥堵",
    "bus": "公交 班次 首班 末班 发车 站点",
    "school": "学位 入学 招生 就读 上学 学区 转学",
    "title-deed": "房产证 不动产 产权证 办证 网签 备案",
    "pension": "社保 养老保险 医保 参保 养老金 缴费年限",
    "subsidy": "补贴 补助 补偿 奖励金 救助",
    "building": "违建 违章 违法建设 搭建 加建 拆除",
    "greenery": "绿化 树木 砍伐 修剪 绿地 草坪",
    "animals": "病死 死猪 死鸡 死羊 死牛 无害化 疫情 防疫",
    "dogs": "狗 犬 宠物",
    "property-mgmt": "物业 业委会 业主大会 物管",
}
# (word, its class token); counted with str.count, which is several times faster than one
# regular expression of all the words.
_CONCEPT_WORDS = [(word, "~" + name) for name, words in CONCEPTS.items() for word in words.split()]


def tokens(text: str) -> list[str]:
    """Character bigrams of the Chinese runs and whole Latin/digit runs (no word segmenter:
    bigrams need no dictionary and catch place and organisation names), then one "~class"
    token for each mention of a CONCEPTS word."""
    out: list[str] = []
    text = normalise(text).lower()
    for run in _RUN.findall(text):
        if run[0].isascii():
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    for word, concept in _CONCEPT_WORDS:
        if word in text:
            out.extend([concept] * text.count(word))
    return out


# --- the idf table ------------------------------------------------------------------------


@dataclass
class IdfTable:
    idf: dict[str, float]
    default: float  # for bigrams not in the table (rarer than its cut-off)
    low: float = 0.05  # cosine a mismatched (appeal, reply) pair reaches (95th percentile)
    high: float = 0.35  # cosine of a typical true pair (median)
    docs: int = 0

    def weight(self, token: str) -> float:
        return self.idf.get(token, self.default)


def fit_idf(
    appeals: Sequence[str], replies: Sequence[str], *, min_df: int = 3, seed: int = 2020
) -> IdfTable:
    """The idf of each token over appeals and replies as documents, and the relevance
    calibration: cosines of true pairs against shuffled (mismatched) pairs."""
    df: Counter[str] = Counter()
    for text in (*appeals, *replies):
        df.update(set(tokens(text)))
    n = len(appeals) + len(replies)
    idf = {t: round(math.log((n + 1) / (c + 1)) + 1, 3) for t, c in df.items() if c >= min_df}
    table = IdfTable(idf=idf, default=round(math.log((n + 1) / min_df) + 1, 3), docs=n)
    true = [raw_relevance(a, "", r, table) for a, r in zip(appeals, replies, strict=True)]
    order = list(range(len(replies)))
    random.Random(seed).shuffle(order)
    false = [
        raw_relevance(appeals[i], "", replies[j], table) for i, j in enumerate(order) if i != j
    ]
    table.low = round(percentile(false, 0.95), 4)
    table.high = round(max(percentile(true, 0.5), table.low + 0.05), 4)
    return table


def save_idf(table: IdfTable, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "docs": table.docs,
        "default": table.default,
        "low": table.low,
        "high": table.high,
        "idf": dict(sorted(table.idf.items())),
    }
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False, separators=(",", ":"))


def load_idf(path: Path) -> IdfTable:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        payload = json.load(f)
    return IdfTable(
        idf=payload["idf"],
        default=payload["default"],
        low=payload["low"],
        high=payload["high"],
        docs=payload.get("docs", 0),
    )


_table: IdfTable | None = None
_table_lock = threading.Lock()


def idf_table() -> IdfTable:
    """The shipped table, loaded once per process; without it every token weighs the same
    (logged once) and relevance is judged on raw overlap."""
    global _table
    if _table is None:
        with _table_lock:
            if _table is None:
                path = Path(settings.REPLY_IDF_PATH or DEFAULT_IDF_PATH)
                try:
                    _table = load_idf(path)
                except (OSError, ValueError, KeyError):
                    log.exception("reply idf table %s unusable: scoring with uniform weights", path)
                    _table = IdfTable(idf={}, default=1.0)
    return _table


def _vector(toks: Iterable[str], table: IdfTable) -> dict[str, float]:
    counts = Counter(toks)
    return {t: (1 + math.log(c)) * table.weight(t) for t, c in counts.items()}


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def cosine(left: str, right: str, table: IdfTable | None = None) -> float:
    table = table or idf_table()
    return _cos(_vector(tokens(left), table), _vector(tokens(right), table))


def raw_relevance(title: str, content: str, reply: str, table: IdfTable | None = None) -> float:
    """Cosine of the appeal and the substance of its reply (before calibration)."""
    table = table or idf_table()
    appeal_tokens = tokens(f"{title}。{content}")
    body, _new, _pending = substance(reply, set(appeal_tokens))
    return _cos(_vector(appeal_tokens, table), _vector(tokens(body), table))


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


# --- the reply's substance ------------------------------------------------------------------

_CLAUSE = re.compile(r"[^，,。！!？?；;：:\n]+")
_QUOTE = re.compile(r"[“\"‘'「『]([^“”\"‘’'「」『』]{2,200})[”\"’'」』]")
_BOILER = re.compile(
    r"^(网友|尊敬的|亲爱的|您好|你好|[a-z]{1,3}\d{3,})|收悉|已收到|收到您|感谢|谢谢|致谢|答复如下|回复如下|"
    r"现将|现答复|现回复|特此|此复|如有疑问|如有.{0,8}(意见|问题|需要)|联系电话|联系人|咨询电话|欢迎|"
    r"理解和支持|理解与支持|关心|关注和支持|信任和支持|监督|再次|祝您|^\d{4}年\d{1,2}月\d{1,2}日$|"
    r"^[\u4e00-\u9fff]{0,12}(局|办|委员会|政府|街道|办事处|中心|公司)$"
)
_PENDING = re.compile(
    r"正在(处理|办理|调查|核实|研究|协调|了解)|将(尽快|及时|认真|积极|抓紧)|已(转交|转至|转给|转办|交由)|"
    r"高度重视|进一步(调查|核实|了解)|后续.{0,4}(处理|答复)"
)


def _strip_echo(reply: str, appeal_tokens: set[str]) -> str:
    """Quoted text copied from the appeal ("关于您反映的“…”问题") says nothing new."""

    def drop(match: re.Match) -> str:
        inner = tokens(match.group(1))
        if inner and sum(t in appeal_tokens for t in inner) >= 0.7 * len(inner):
            return " "
        return match.group(0)

    return _QUOTE.sub(drop, reply)


def substance(reply: str, appeal_tokens: set[str]) -> tuple[str, str, bool]:
    """The reply without greetings, thanks, acknowledgements and "being handled" clauses
    (what is compared with the appeal); the same without quoted appeal text (whose length says
    whether the reply says anything new); and whether it only says the matter is being handled."""
    text = normalise(reply)
    kept, pending = [], 0
    for clause in _CLAUSE.findall(text):
        clause = clause.strip()
        if not clause or _BOILER.search(clause.lower() if clause.isascii() else clause):
            continue
        if _PENDING.search(clause):
            pending += len(clause)
            continue
        kept.append(clause)
    body = "，".join(kept)
    new = _strip_echo(body, appeal_tokens)
    new = re.sub(r"[\s，,]+", "，", new).strip("，")
    return body, new, bool(pending) and len(new) < SUBSTANCE_FULL


# --- the appeal's points ------------------------------------------------------------------

_NUMBERED = re.compile(
    r"(?:(?<![\d.])\d{1,2}(?:[、)]|\.(?!\d))|[(（]\d{1,2}[)）]|[一二三四五六七八九十]、|"
    r"第[一二三四五六七八九十]+[，,、是]|其[一二三四五六])"
)
_SENTENCE = re.compile(r"[^。！!？?；;\n]+[。！!？?；;]*")
_ASK = re.compile(
    r"[?？]|吗|是否|能否|可否|能不能|可不可以|有没有|为什么|为何|怎么|怎样|如何|何时|什么时候|多久|"
    r"多少|哪里|哪些|什么|请求|请问|恳请|恳求|希望|建议|要求|盼望|呼吁|请.{0,6}(部门|政府|领导|书记|"
    r"市长|县长|局|解决|处理|调查|查处|核实|给予|帮助|答复|回复)|咨询"
)
_QUESTION = re.compile(r"[?？]|吗")
# Words that make a sentence a question or a request, not what it is about.
_CUE_WORDS = (
    "请问 请求 恳请 希望 建议 要求 能否 是否 可否 为什么 怎么 如何 什么时候 多少 哪里 咨询 领导 书记 "
    "市长 县长 有关部门 相关部门 政府 解决 处理 谢谢 感谢 您好 尊敬 一下 问题 情况 我们 他们 现在 已经 "
    "还是 没有 可以 给予 答复 回复 重视 关注 帮助 协调 落实 核实 调查 查处 督促 监管 严查 尽快 及时"
).split()
_CUE_TOKENS = set(tokens("".join(_CUE_WORDS)))
# Cut out before a sentence is split into bigrams: "请有关部门尽快处理" would otherwise leave the
# bigrams across the words (门尽, 快处), rare and so taken for the matter of the sentence.
_CUE = re.compile("^请|" + "|".join(sorted(_CUE_WORDS, key=len, reverse=True)))


@dataclass
class Point:
    text: str
    terms: dict[str, float]
    coverage: float = 0.0
    missing: list[str] = field(default_factory=list)


def appeal_points(title: str, content: str, table: IdfTable | None = None) -> list[Point]:
    """The questions and requests of an appeal: numbered items and sentences with a question
    or request cue (a short one, "请问这是真的吗？", read with the sentence before it); the
    title when it asks for something or nothing else does."""
    table = table or idf_table()
    text = _NUMBERED.sub(lambda m: "\n" + m.group(0), normalise(content))
    sentences = [s.strip(" ，,") for s in _SENTENCE.findall(text)]
    sentences = [s for s in sentences if len(s) >= 4]
    title = normalise(title)
    gist = f"{title}。{normalise(content)[:300]}"
    candidates = []
    for i, sentence in enumerate(sentences):
        if _NUMBERED.match(sentence) or _ASK.search(sentence):
            terms = _key_terms(sentence, table)
            if not terms and not _QUESTION.search(sentence):
                # "请有关部门尽快处理": a request about the whole problem told before it.
                candidates.append((sentence, _key_terms(gist, table)))
                continue
            if len(terms) < MIN_TERMS and i:
                terms = {**_key_terms(sentences[i - 1], table), **terms}
            candidates.append((sentence, terms))
    if not candidates:  # a problem told without a question: the reply must speak to all of it
        candidates.append((title or gist, _key_terms(gist, table)))
    elif _ASK.search(title):
        candidates.insert(0, (title, _key_terms(title, table)))
    points: list[Point] = []
    seen: set[str] = set()
    for sentence, terms in candidates:
        if len(terms) < MIN_TERMS or seen.issuperset(terms):
            continue
        seen |= set(terms)
        points.append(Point(text=sentence[:120], terms=terms))
        if len(points) == MAX_POINTS:
            break
    if not points:
        terms = _key_terms(gist, table)
        if terms:
            points.append(Point(text=title[:120] or normalise(content)[:60], terms=terms))
    return points


def _key_terms(sentence: str, table: IdfTable) -> dict[str, float]:
    """A sentence's informative tokens with their idf (the commonest words left out)."""
    floor = min(table.default, 3.0) if table.idf else 0.0
    return {
        t: table.weight(t)
        for t in set(tokens(_CUE.sub("，", normalise(sentence))))
        if t not in _CUE_TOKENS and table.weight(t) >= floor and not t.isdigit()
    }


# --- basis ---------------------------------------------------------------------------------

_LAW_WORDS = (
    r"法|条例|办法|规定|细则|规则|意见|通知|决定|方案|标准|规范|规划|纲要|政策|制度|准则|"
    r"目录|解释|指南|公告|通告|批复|函|令|章程|纪要|须知|指引|实施"
)
_CITED_DOC = re.compile(r"《[^《》]{2,80}(?:" + _LAW_WORDS + r")(?:\([^()]{0,20}\))?》")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇\d]+条")
_DOC_NUMBER = re.compile(r"[〔\[(（【]\s*(?:19|20)\d{2}\s*[〕\])）】]\s*(?:第)?\d{1,4}\s*号|号文")
_PHRASE = re.compile(
    r"(?:根据|依据|按照|依照|遵照|参照|按|依|符合)[^。；;！!？?]{0,40}?(?:"
    + _LAW_WORDS
    + r"|文件|法律|法规|精神)"
)
_NAMED = re.compile(r"关于|国务院|国家|省|市|县|区|部|厅|局|委")
_VAGUE = re.compile(r"(?:根据|依据|按照|依照|按)(?:国家|上级|省市?)?(?:有关|相关|的)")


def basis_score(reply: str) -> tuple[float, list[str]]:
    """1 for a named law, regulation or policy document, an article or a document number;
    0.5 for an unnamed one ("根据有关规定"); 0 for none. Returns the citations found."""
    text = normalise(reply)
    found = [m.group(0) for m in _CITED_DOC.finditer(text)]
    found += [m.group(0) for m in _ARTICLE.finditer(text)]
    found += [m.group(0) for m in _DOC_NUMBER.finditer(text)]
    if found:
        return 1.0, found[:5]
    phrases = [m.group(0) for m in _PHRASE.finditer(text)]
    named = [p for p in phrases if not _VAGUE.match(p) and len(p) >= 8 and _NAMED.search(p[2:])]
    if named:
        return 0.8, named[:5]
    if phrases:
        return 0.5, phrases[:5]
    return 0.0, []


# --- timeliness -----------------------------------------------------------------------------


def timeliness_score(
    submitted_at: datetime | None,
    replied_at: datetime | None,
    deadline: datetime | None = None,
    *,
    calendar: Calendar | None = None,
) -> tuple[float, int | None, int]:
    """(score, working days from submission to reply, working days late). On time is 1; the
    score falls linearly to 0 at REPLY_LATE_ZERO_WORKDAYS late."""
    if submitted_at is None or replied_at is None:
        return 1.0, None, 0
    calendar = calendar or Calendar()
    start = submitted_at.astimezone(LOCAL).date() if submitted_at.tzinfo else submitted_at.date()
    end = replied_at.astimezone(LOCAL).date() if replied_at.tzinfo else replied_at.date()
    workdays = calendar.workdays_between(start, end) if end >= start else 0
    zero = max(1, int(settings.REPLY_LATE_ZERO_WORKDAYS))
    if deadline is not None:
        if replied_at <= deadline:
            return 1.0, workdays, 0
        due = deadline.astimezone(LOCAL).date() if deadline.tzinfo else deadline.date()
        late = max(1, calendar.workdays_between(due, end))
    else:
        limit = int(settings.REPLY_DEADLINE_WORKDAYS)
        late = max(0, workdays - limit)
    return round(max(0.0, 1 - late / zero), 4), workdays, late


# --- the score -----------------------------------------------------------------------------


@dataclass
class Reason:
    code: str
    message: str
    detail: str = ""


@dataclass
class ReplyScore:
    relevance: float
    completeness: float
    basis: float
    timeliness: float
    overall: float
    threshold: float
    reasons: list[Reason]
    points: list[dict]
    citations: list[str]
    workdays: int | None

    @property
    def needs_review(self) -> bool:
        return self.overall < self.threshold

    def as_dict(self) -> dict:
        data = asdict(self)
        data["needs_review"] = self.needs_review
        return data


def _weights() -> dict[str, float]:
    weights = {**DEFAULT_WEIGHTS, **(settings.REPLY_SCORE_WEIGHTS or {})}
    total = sum(max(0.0, float(weights[k])) for k in DEFAULT_WEIGHTS) or 1.0
    return {k: max(0.0, float(weights[k])) / total for k in DEFAULT_WEIGHTS}


def _clip(x: float) -> float:
    return round(min(1.0, max(0.0, x)), 4)


def score_reply(
    *,
    title: str,
    content: str,
    reply: str,
    submitted_at: datetime | None,
    replied_at: datetime | None,
    deadline: datetime | None = None,
    calendar: Calendar | None = None,
) -> ReplyScore:
    """Score one reply to one appeal. Every component is in [0, 1]; `overall` is their
    weighted mean (REPLY_SCORE_WEIGHTS), compared with REPLY_REVIEW_THRESHOLD."""
    table = idf_table()
    appeal_text = f"{normalise(title)}。{normalise(content)}"
    appeal_tokens = tokens(appeal_text)
    body, new, only_pending = substance(reply, set(appeal_tokens))
    body_tokens = tokens(body)
    reasons: list[Reason] = []

    raw = _cos(_vector(appeal_tokens, table), _vector(body_tokens, table))
    relevance = _clip((raw - table.low) / (table.high - table.low))
    if relevance < 0.3:
        reasons.append(
            Reason("off_topic", _("The reply hardly mentions what the appeal is about."))
        )

    points = appeal_points(title, content, table)
    present = set(body_tokens)
    answered = []
    for point in points:
        total = sum(point.terms.values())
        hit = [t for t in point.terms if t in present]
        point.coverage = round(sum(point.terms[t] for t in hit) / total, 4) if total else 0.0
        rare = sum(1 for t in hit if point.terms[t] >= RARE_IDF)
        # A point's matters (CONCEPTS) answered in other words: the share of them the reply
        # speaks of, when the point names at least two.
        concepts = [t for t in point.terms if t[0] == "~"]
        spoken = sum(t in present for t in concepts) / len(concepts) if len(concepts) >= 2 else 0
        answered.append(min(1.0, max(point.coverage / COVER, rare / RARE_HITS, spoken)))
    if not points:
        answered = [1.0 if new else 0.0]
    substance_factor = min(1.0, len(new) / SUBSTANCE_FULL)
    completeness = _clip(sum(answered) / len(answered) * substance_factor)
    if len(new) < SUBSTANCE_MIN or only_pending:
        # Nothing said beyond the appeal's own words: not relevant however well it quotes them.
        relevance = min(relevance, 0.3)
    if len(new) < SUBSTANCE_MIN:
        completeness = min(completeness, 0.05)
        reasons.append(
            Reason(
                "boilerplate",
                _("The reply only acknowledges the appeal: it says nothing about what was done."),
            )
        )
    elif only_pending:
        completeness = min(completeness, 0.3)
        reasons.append(
            Reason(
                "only_pending",
                _("The reply only says the matter is being handled, not how it was resolved."),
            )
        )
    else:
        for point, share in zip(points, answered, strict=True):
            if share < 0.5:
                reasons.append(
                    Reason(
                        "point_not_addressed",
                        _("Not answered: %(point)s") % {"point": point.text[:60]},
                        point.text,
                    )
                )

    basis, citations = basis_score(reply)
    if basis == 0:
        reasons.append(Reason("no_basis", _("No policy or law is cited.")))
    elif basis < 1:
        reasons.append(
            Reason("vague_basis", _("The reply refers to rules without naming the policy or law."))
        )

    timeliness, workdays, late = timeliness_score(
        submitted_at, replied_at, deadline, calendar=calendar
    )
    if late:
        reasons.append(Reason("late", _("Replied %(n)d working days late.") % {"n": late}))

    weights = _weights()
    parts = {
        "relevance": relevance,
        "completeness": completeness,
        "basis": basis,
        "timeliness": timeliness,
    }
    overall = _clip(sum(weights[k] * v for k, v in parts.items()))
    threshold = float(settings.REPLY_REVIEW_THRESHOLD)
    return ReplyScore(
        relevance=relevance,
        completeness=completeness,
        basis=basis,
        timeliness=timeliness,
        overall=overall,
        threshold=threshold,
        reasons=reasons,
        points=[{"text": p.text, "coverage": p.coverage} for p in points],
        citations=citations,
        workdays=workdays,
    )


def score_reply_for_appeal(appeal) -> ReplyScore:
    """The REPLY_SCORER hook: an appeal whose `reply` and `replied_at` are set."""
    return score_reply(
        title=appeal.title,
        content=appeal.content,
        reply=appeal.reply,
        submitted_at=appeal.created_at,
        replied_at=appeal.replied_at,
        deadline=appeal.handling_deadline,
        calendar=Calendar.load(),
    )
