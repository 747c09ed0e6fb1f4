"""Hot-issue mining (热点问题挖掘): group messages about one specific matter at one place or for
one group of people, and rank the groups by heat. Pure Python on lists of records, no ORM."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix

# --- Parameters (documented with their reasons in docs/insight/hot-issues.md) -----------------
TITLE_WEIGHT = 4  # title grams count 4 times: the title names the matter, the detail tells a story
DETAIL_CHARS = 150  # only the opening of the detail, which restates the matter
KEY_BONUS = 0.2  # added to the cosine of two messages that share a specific place/group key
LINK_KEY = 0.12  # cosine needed for an edge between two messages sharing a key
LINK_TEXT = 0.45  # cosine needed for an edge between two messages without a shared key
CUT = 0.30  # average linkage stops merging below this mean (cosine + bonus)
MIN_MESSAGES = 2  # one message alone is not an issue, however many likes it has
MAX_KEY_SHARE = 0.03  # a key in more than 3% of the messages (min 8) is a topic, not a place

# Heat = (W_USERS·ln(1+users) + W_MESSAGES·ln(1+messages) + W_LIKES·ln(1+likes)
#         − W_DISLIKES·ln(1+dislikes)) × burst × recency
W_USERS, W_MESSAGES, W_LIKES, W_DISLIKES = 12.0, 3.0, 3.0, 1.5
SPAN_DAYS = 365.0  # burst = (1 + span/SPAN_DAYS)^-1/2: a one-day burst 1.0, a year-long issue 0.71

SUFFIXES = (
    "小区",
    "花园",
    "新城",
    "家园",
    "公寓",
    "大厦",
    "广场",
    "山庄",
    "国际",
    "苑",
    "园",
    "城",
    "湾",
    "滩",
    "府",
    "郡",
    "岛",
    "港",
    "桥",
    "大道",
    "路",
    "街",
    "巷",
    "村",
    "社区",
    "小学",
    "中学",
    "学校",
    "学院",
    "大学",
    "幼儿园",
    "医院",
    "公司",
    "集团",
    "市场",
    "商场",
    "车站",
    "站",
    "镇",
    "乡",
    "厂",
    "院",
    # Named programmes are "places" too: a subsidy or a policy is one matter for one group.
    "补贴",
    "新政",
)
GROUP_WORDS = (
    "人才",
    "教师",
    "老师",
    "退休",
    "职工",
    "学生",
    "毕业生",
    "农民工",
    "村民",
    "居民",
    "残疾",
    "低保",
    "老人",
    "退役",
    "军人",
    "医生",
    "护士",
    "司机",
    "业主",
    "家长",
    "幼师",
    "代课",
    "临聘",
    "辅警",
    "环卫工",
    "失地农民",
    "独生子女",
)
# Groups so broad that they only count when something narrower (人才 …) is absent.
BROAD_GROUPS = {"居民", "业主", "村民", "家长", "学生"}
STOP_CHARS = set(
    "的了在是和与及等我们你他她它该本此这那个各有到从对把被向给让为于就都也还又"
    "却才将已被请求问想要能会可一二三四五六七八九十几多每某其所之"
)
GENERIC_HEADS = {
    "物业",
    "开发",
    "地产",
    "房地产",
    "有限",
    "建设",
    "建筑",
    "公交",
    "科技",
    "投资",
    "置业",
    "居民",
    "农村",
    "城市",
    "城乡",
    "乡村",
    "道路",
    "马路",
    "街道",
    "附近",
    "周边",
    "旁边",
    "门口",
    "中心",
    "新建",
    "老旧",
    "周围",
    "所在",
    "整个",
    "小区",
    "社区",
    "全市",
    "县城",
    "进城",
    "出城",
    "商品",
    "安置",
    "公共",
    "公办",
    "民办",
    "私立",
    "高速",
    "国道",
    "省道",
    "环城",
    "行政",
    "沿街",
    "国务",  # 国务院 is cited (its rules), never the place of a complaint
}
# A name does not run across these: "头镇大湾村" is the tail of 桥头镇 glued to a village.
ADMIN = re.compile(r"[区市县省镇乡]|小区|社区|街道")
# The government is who a message asks for help ("希望政府", "党和政府"), never its place.
NOT_PLACES = re.compile(r"政府$")
# A town or street named just before a place: "桥头镇" before "大湾村".
TOWN_BEFORE = re.compile(r"([\u4e00-\u9fff]{2}(?:镇|乡|街道))$")
# Names that end here are complete: "杏林雅苑小区" is not continued into "杏林雅苑小区电梯".
COMPLETE = (
    "小区",
    "社区",
    "村",
    "学校",
    "小学",
    "中学",
    "大学",
    "幼儿园",
    "医院",
    "公司",
    "集团",
    "市场",
    "商场",
    "车站",
)
REGION = re.compile(r"[A-Z]\d{0,2}[市区县]")
CJK = re.compile(r"[\u4e00-\u9fff]+")
SPACE = re.compile(r"\s+")


@dataclass
class Message:
    id: str
    user: str
    title: str
    detail: str
    time: datetime
    likes: int = 0
    dislikes: int = 0
    extra: dict = field(default_factory=dict)  # carried through untouched (e.g. a tracking number)


@dataclass
class HotIssue:
    rank: int
    issue_id: int
    heat: float
    start: datetime
    end: datetime
    place: str
    description: str
    members: list[Message]
    users: int
    likes: int
    dislikes: int

    @property
    def time_range(self) -> str:
        return f"{self.start:%Y/%m/%d} 至 {self.end:%Y/%m/%d}"


def normalise(text: str) -> str:
    return SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


SUFFIX_RE = re.compile("|".join(sorted(SUFFIXES, key=len, reverse=True)))


def place_keys(text: str) -> set[str]:
    """Candidate names of places and organisations: each place suffix with the 2-4 Chinese
    characters before it (the caller keeps only the cuts that recur in more than one message,
    which are the names)."""
    keys: set[str] = set()
    for run in CJK.findall(text):
        for found in SUFFIX_RE.finditer(run):
            head, suffix = run[: found.start()], found.group()
            for k in (2, 3, 4):
                if len(head) < k:
                    break
                tail = head[-k:]
                if (
                    tail[0] in STOP_CHARS
                    or "的" in tail
                    or tail in GENERIC_HEADS
                    or ADMIN.search(tail)
                    or NOT_PLACES.search(tail + suffix)
                ):
                    continue
                keys.add(tail + suffix)
    return keys


NAME = re.compile(r"(?<![0-9A-Za-z])([0-9]{1,4}|[A-Za-z]{2,8})([\u4e00-\u9fff]{2})")
MEASURE = set(
    "年月日时分秒元万千百个次天户多余栋楼层单室米岁名家条辆人期小周届级度倍平套间公亩吨斤"
)


def name_keys(text: str) -> set[str]:
    """Names written with digits or Latin letters: "58车贷", "3号线", "KTV扰民"."""
    return {
        f"{a}{b}" for a, b in NAME.findall(text) if b[0] not in MEASURE and b[0] not in STOP_CHARS
    }


def group_keys(text: str) -> set[str]:
    found = {w for w in GROUP_WORDS if w in text}
    narrow = found - BROAD_GROUPS
    return {"#" + w for w in (narrow or found)}


def _regions(text: str) -> list[str]:
    return REGION.findall(text)


def _time_factor(members: list[Message], now: datetime, half_life: float) -> tuple[float, float]:
    start = min(m.time for m in members)
    end = max(m.time for m in members)
    span = max((end - start).total_seconds() / 86400, 0.0)
    age = max((now - end).total_seconds() / 86400, 0.0)
    burst = (1.0 + span / SPAN_DAYS) ** -0.5
    recency = 0.5 + 0.5 * 0.5 ** (age / half_life)
    return burst, recency


def heat_of(members: list[Message], now: datetime, half_life: float = 90.0) -> float:
    users = len({m.user for m in members})
    likes = sum(max(m.likes, 0) for m in members)
    dislikes = sum(max(m.dislikes, 0) for m in members)
    base = (
        W_USERS * math.log1p(users)
        + W_MESSAGES * math.log1p(len(members))
        + W_LIKES * math.log1p(likes)
        - W_DISLIKES * math.log1p(dislikes)
    )
    burst, recency = _time_factor(members, now, half_life)
    return max(base, 0.0) * burst * recency


def _codes(text: str):
    """Code points of `text` with every character that is not a letter, digit or Chinese
    character set to 0, so that no n-gram spans punctuation or space."""

    c = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    token = (
        ((c >= 0x4E00) & (c <= 0x9FFF))
        | ((c >= 48) & (c <= 57))
        | ((c >= 65) & (c <= 90))
        | ((c >= 97) & (c <= 122))
    )
    return np.where(token, c, 0)


def _vectors(texts: list[tuple[str, str]]):
    """L2-normalised TF-IDF rows (sublinear tf, smoothed idf) of character 2- and 3-grams of the
    title, counted TITLE_WEIGHT times, plus the opening of the detail. Grams found in one message
    only, or in more than 30% of them, carry no grouping signal and are dropped. Vectorised with
    numpy (each gram is an integer of its code points) because a Python loop over the ~2 million
    grams of 4,000 messages takes seconds."""

    n = len(texts)
    # One string for all messages, each part followed by a space (code 0 below) so that no gram
    # runs from one part into the next.
    parts = [p for title, detail in texts for p in (title, detail[:DETAIL_CHARS])]
    if not parts:
        return csr_matrix((n, 1))
    lengths = np.array([len(p) + 1 for p in parts], dtype=np.int64)
    c = _codes(" ".join(parts) + " ")
    doc = np.repeat(np.arange(len(parts)) // 2, lengths)
    w = np.repeat(np.tile([float(TITLE_WEIGHT), 1.0], n), lengths)
    c1, c2 = np.append(c[1:], 0), np.append(c[2:], [0, 0])
    bi = (c != 0) & (c1 != 0)
    tri = bi & (c2 != 0)
    grams = np.concatenate([(c[bi] << 21) | c1[bi], (c[tri] << 42) | (c1[tri] << 21) | c2[tri]])
    gdoc = np.concatenate([doc[bi], doc[tri]])
    gw = np.concatenate([w[bi], w[tri]])
    if not len(grams):
        return csr_matrix((n, 1))
    vocab, col = np.unique(grams, return_inverse=True)
    pair = gdoc * len(vocab) + col
    upair, inv = np.unique(pair, return_inverse=True)
    tf = np.bincount(inv, weights=gw)
    prow, pcol = upair // len(vocab), upair % len(vocab)
    df = np.bincount(pcol, minlength=len(vocab))
    low = 2 if n >= 5 else 1
    useful = (df >= low) & (df <= max(1.0, 0.3 * n))
    idf = np.log((1 + n) / (1 + df)) + 1.0
    keep = useful[pcol]
    X = csr_matrix(
        ((1.0 + np.log(tf[keep])) * idf[pcol[keep]], (prow[keep], pcol[keep])),
        shape=(n, len(vocab)),
    )
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return csr_matrix(X.multiply(1.0 / norms[:, None]))


def _keys(texts: list[tuple[str, str]]) -> tuple[list[set[str]], list[set[str]]]:
    """Each message's specific keys, and the candidate place/name keys its title names. A key is specific when at least two messages and at most MAX_KEY_SHARE of them hold
    it; group words (marked "#") are kept whatever their frequency."""
    raw, in_title = [], []
    for title, detail in texts:
        text = title + " " + detail
        raw.append(place_keys(text) | name_keys(text) | group_keys(title))
        in_title.append(place_keys(title) | name_keys(title))
    df = Counter(k for keys in raw for k in keys)
    cap = max(8, int(MAX_KEY_SHARE * len(texts)))
    keys = [{k for k in ks if df[k] >= 2 and (df[k] <= cap or k.startswith("#"))} for ks in raw]
    return keys, in_title


class _KeyIndex:
    """Which messages share a key, as sparse and boolean matrices so that pairs are checked in
    bulk: place/name keys are rare (a sparse incidence matrix), group words are few (a dense
    boolean one)."""

    def __init__(self, keys: list[set[str]], title_keys: list[set[str]], titles: list[str]):

        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, ks in enumerate(keys):
            for k in ks:
                if not k.startswith("#"):
                    rows.append(i)
                    cols.append(vocab.setdefault(k, len(vocab)))
        self.places = csr_matrix(
            ([1.0] * len(rows), (rows, cols)), shape=(len(keys), max(len(vocab), 1))
        )
        self.places_t = self.places.T.tocsc()
        self.groups = np.array(
            [[("#" + w) in ks for w in GROUP_WORDS] for ks in keys], dtype=bool
        ).reshape(len(keys), len(GROUP_WORDS))
        self.has_place = np.array([bool(t) for t in title_keys], dtype=bool)
        # Anonymised regions: a district code (A2区) and the city it lies in (A市) agree; two
        # different districts, or two different cities, do not.
        codes = [_region_of(title, "") for title in titles]
        self.district = _code_ids([c if c and not c.endswith("市") else "" for c in codes])
        self.city = _code_ids([c[0] if c else "" for c in codes])

    def terms(self, shared_places, rows, cols):
        """The term added to the cosine of pairs (rows[k], cols[k]). Sharing a key earns
        KEY_BONUS; two messages whose titles name places but which share no key at all are
        about different places and lose KEY_BONUS (so "魅力之城小区油烟扰民" never joins
        "润芳园小区油烟扰民"), and so do two whose titles name different regions."""
        shared = shared_places | (self.groups[rows] & self.groups[cols]).any(axis=1)
        d1, d2, c1, c2 = self.district[rows], self.district[cols], self.city[rows], self.city[cols]
        elsewhere = ((d1 > 0) & (d2 > 0) & (d1 != d2)) | ((c1 > 0) & (c2 > 0) & (c1 != c2))
        conflict = (self.has_place[rows] & self.has_place[cols] & ~shared) | elsewhere
        return KEY_BONUS * (shared.astype(float) - conflict), shared, conflict


def _code_ids(codes: list[str]):
    """Each code as a number, 0 for none."""

    ids: dict[str, int] = {"": 0}
    return np.array([ids.setdefault(c, len(ids)) for c in codes], dtype=np.int64)


def _edges(X, index: _KeyIndex, block: int = 1024) -> list[tuple[int, int]]:
    """Pairs worth linking, from blocks of the sparse similarity product so that no n×n dense
    matrix is ever held: a shared key and a modest cosine, or a high cosine and no conflict."""

    n = X.shape[0]
    XT = X.T.tocsc()
    pairs: list[tuple[int, int]] = []
    for lo in range(0, n, block):
        S = (X[lo : lo + block] @ XT).tocoo()
        keep = (S.col > S.row + lo) & (S.data >= LINK_KEY)
        rows, cols, sims = S.row[keep], S.col[keep], S.data[keep]
        if not len(rows):
            continue
        places = (
            np.asarray((index.places[lo : lo + block] @ index.places_t)[rows, cols]).ravel() > 0
        )
        _terms, shared, conflict = index.terms(places, rows + lo, cols)
        ok = shared | ((sims >= LINK_TEXT) & ~conflict)
        pairs.extend(zip((rows[ok] + lo).tolist(), cols[ok].tolist(), strict=True))
    return pairs


def _components(n: int, edges) -> list[list[int]]:
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return [g for g in groups.values() if len(g) >= MIN_MESSAGES]


def _average_linkage(members: list[int], X, index: _KeyIndex) -> list[list[int]]:
    """Split one connected component into clusters whose mean pairwise similarity (cosine plus
    the key terms) stays above CUT, so that chains of near pairs do not glue topics."""
    if len(members) <= 2:
        return [members]
    m = len(members)
    a, b = np.triu_indices(m, 1)
    idx = np.asarray(members)
    sub = X[idx]
    cos = (sub @ sub.T).toarray()[a, b]
    sub_places = index.places[idx]
    places = (sub_places @ sub_places.T).toarray()[a, b] > 0
    terms, _shared, _conflict = index.terms(places, idx[a], idx[b])
    top = 1.0 + KEY_BONUS
    tree = linkage(np.clip(top - cos - terms, 0.0, None), method="average")
    labels = fcluster(tree, t=top - CUT, criterion="distance")
    out: dict[int, list[int]] = defaultdict(list)
    for i, label in zip(members, labels, strict=True):
        out[int(label)].append(i)
    return list(out.values())


def _region_of(title: str, detail: str) -> str:
    """The most specific anonymised region a message names, the title before the detail."""
    codes = REGION.findall(title) + REGION.findall(detail)
    return next((c for c in codes if not c.endswith("市")), codes[0] if codes else "")


def _extend_left(key: str, texts: list[str]) -> str:
    """Grow a name leftwards while most of its occurrences agree on the character before it:
    the key "滨河苑" becomes "伊景园滨河苑" when nearly every message writes it so."""
    for _ in range(4):
        before = Counter(t[i - 1] for t in texts for i in _occurrences(t, key) if i > 0)
        total = sum(len(_occurrences(t, key)) for t in texts)
        if not before or not total:
            break
        char, n = before.most_common(1)[0]
        if (
            n < 2
            or n < 0.7 * total
            or not CJK.fullmatch(char)
            or char in STOP_CHARS
            or char in "市区县省镇乡"
        ):
            break
        key = char + key
    return key


def _extend_right(key: str, texts: list[str]) -> str:
    """The same rightwards: "伊景园" becomes "伊景园滨河苑"."""
    for _ in range(4):
        if key.endswith(COMPLETE):
            break
        spots = [(t, i + len(key)) for t in texts for i in _occurrences(t, key)]
        after = Counter(t[j] for t, j in spots if j < len(t))
        if not after:
            break
        char, n = after.most_common(1)[0]
        if n < 2 or n < 0.7 * len(spots) or not CJK.fullmatch(char) or char in STOP_CHARS:
            break
        key = key + char
    return key


def _with_town(key: str, texts: list[str]) -> str:
    """The town or street most mentions of a village or estate name come after: "大湾村"
    becomes "桥头镇大湾村" when the messages write it so."""
    towns = Counter(
        m.group(1)
        for t in texts
        for i in _occurrences(t, key)
        if (m := TOWN_BEFORE.search(t[max(0, i - 4) : i]))
    )
    total = sum(len(_occurrences(t, key)) for t in texts)
    if towns:
        town, n = towns.most_common(1)[0]
        if n >= 2 and n >= 0.5 * total:
            return town + key
    return key


def _occurrences(text: str, key: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(key), text)]


def _describe(cluster: list[int], texts: list[tuple[str, str]], X, keys: list[set[str]]):
    """Place/group: the key most members share (a place before a group word, the longest of
    equally shared ones, then grown on both sides), after the region most members name;
    description: the title of the member nearest the cluster's centroid."""

    counts = Counter(k for i in cluster for k in keys[i])
    place = ""
    if counts:
        top = max(counts.values())
        if top * 2 >= len(cluster) or top >= 3:
            best = [k for k, c in counts.items() if c == top]
            place = min(best, key=lambda k: (k.startswith("#"), -len(k), k))
            if place.startswith("#"):
                place = place[1:]
            else:
                titles = [texts[i][0] for i in cluster]
                place = _extend_right(_extend_left(place, titles), titles)
                place = _with_town(place, [f"{t} {d}" for t, d in (texts[i] for i in cluster)])
    regions = Counter(r for r in (_region_of(*texts[i]) for i in cluster) if r)
    region = ""
    if regions:
        code, n = regions.most_common(1)[0]
        if n >= 0.6 * sum(regions.values()):
            region = code
        else:
            region = next((c for c, _n in regions.most_common() if c.endswith("市")), "")
    if region and region not in place:
        place = region + place
    sub = X[cluster]
    centroid = np.asarray(sub.mean(axis=0)).ravel()
    central = cluster[int(np.argmax(sub @ centroid))]
    return place, texts[central][0]


def find_hot_issues(
    messages: list[Message],
    *,
    top: int = 10,
    now: datetime | None = None,
    window_days: float | None = None,
) -> list[HotIssue]:
    """The `top` hottest issues among `messages`, hottest first. Recency is measured from `now`
    (default: the latest message) with a half-life of a quarter of the window the messages
    cover (`window_days`; default: from the 1st percentile of their times to `now`)."""
    if not messages:
        return []
    now = now or max(m.time for m in messages)
    if window_days is None:
        times = sorted(m.time for m in messages)
        window_days = (now - times[len(times) // 100]).total_seconds() / 86400
    half_life = max(window_days / 4, 1.0)
    texts = [(normalise(m.title), normalise(m.detail)) for m in messages]
    X = _vectors(texts)
    keys, title_keys = _keys(texts)
    clusters: list[list[int]] = []
    index = _KeyIndex(keys, title_keys, [t for t, _d in texts])
    for component in _components(len(messages), _edges(X, index)):
        clusters.extend(c for c in _average_linkage(component, X, index) if len(c) >= MIN_MESSAGES)
    scored = []
    for cluster in clusters:
        members = sorted((messages[i] for i in cluster), key=lambda m: m.time)
        scored.append((heat_of(members, now, half_life), cluster, members))
    scored.sort(key=lambda t: (-t[0], t[2][0].time, t[2][0].id))
    issues = []
    for rank, (heat, cluster, members) in enumerate(scored[:top], start=1):
        place, description = _describe(cluster, texts, X, keys)
        issues.append(
            HotIssue(
                rank=rank,
                issue_id=rank,
                heat=round(heat, 2),
                start=members[0].time,
                end=members[-1].time,
                place=place,
                description=description,
                members=members,
                users=len({m.user for m in members}),
                likes=sum(m.likes for m in members),
                dislikes=sum(m.dislikes for m in members),
            )
        )
    return issues
