"""Chinese text as search tokens, without a dictionary: Chinese has no spaces between words, so
every run of CJK characters is indexed as its character bigrams and unigrams, and every run of
letters or digits (a 文号 like 53, a year, "app") as one token. Pure: no database here.

Why bigrams: two characters cover most Chinese words' meaning-bearing parts (禁养, 低保, 物业),
need no dictionary that goes stale or a second of start-up (jieba), and a query matches an
article whatever segmentation either side would have had."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

# CJK unified ideographs (with extension A and the compatibility block): the characters bigrams
# are made of. Everything else that is not a letter or digit separates tokens.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(f"[{_CJK}]")

# What a citizen or an operator types around the matter itself: question words, particles and
# politeness. They are cut out of queries (never out of the index), so "养狗需要办证吗" asks for
# 养狗 and 办证, not for every article with 需要 in it.
STOP_PHRASES = sorted(
    {
        "请问",
        "您好",
        "你好",
        "我想",
        "我要",
        "我家",
        "我们",
        "你们",
        "想问",
        "咨询",
        "一下",
        "需要",
        "怎么",
        "怎样",
        "如何",
        "什么",
        "哪里",
        "哪些",
        "哪个",
        "是否",
        "能否",
        "能不能",
        "可不可以",
        "可以",
        "应该",
        "有没有",
        "是不是",
        "多少",
        "为什么",
        "还是",
        "以及",
        "或者",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "了",
        "的",
        "么",
        "嘛",
    },
    key=len,
    reverse=True,
)
_STOP = re.compile("|".join(map(re.escape, STOP_PHRASES)))


def normalise(text: str) -> str:
    """Full-width letters and digits made ASCII (NFKC), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _run_tokens(run: str, *, unigrams: bool) -> list[str]:
    if not _IS_CJK.match(run):
        return [run]
    if len(run) == 1:
        return [run]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*grams, *run] if unigrams else grams


def index_tokens(text: str, *, unigrams: bool = True) -> list[str]:
    """Every token of `text` as stored in the index: CJK bigrams (and unigrams), whole
    letter/digit runs, in order (repeats kept: they weigh in the ranking)."""
    tokens: list[str] = []
    for run in _RUN.findall(normalise(text)):
        tokens.extend(_run_tokens(run, unigrams=unigrams))
    return tokens


def query_runs(query: str) -> list[str]:
    """The fragments a query asks about: question words cut out, split at everything that is
    not a CJK character, letter or digit. A query made only of question words ("怎么办")
    keeps them rather than asking nothing."""
    text = normalise(query)
    return _RUN.findall(_STOP.sub(" ", text)) or _RUN.findall(text)


def query_tokens(query: str) -> list[str]:
    """The distinct tokens a query asks for: the bigrams of each CJK fragment (a fragment of
    one character is its unigram) and whole letter/digit runs."""
    tokens: list[str] = []
    for run in query_runs(query):
        tokens.extend(_run_tokens(run, unigrams=False))
    return list(dict.fromkeys(tokens))


def finder(text: str) -> Callable[[str], bool]:
    """Whether a query token is among `text`'s index tokens, without tokenising the text: a
    CJK bigram or unigram is in the index exactly when it is a substring of the normalised
    text; a letter/digit token when it is a whole run there (53 is not in 2053)."""
    norm = normalise(text)

    def has(token: str) -> bool:
        if _IS_CJK.match(token):
            return token in norm
        return re.search(f"(?<![a-z0-9]){re.escape(token)}(?![a-z0-9])", norm) is not None

    return has


def coverage(runs: list[str], has: Callable[[str], bool]) -> float:
    """The share of the query's characters covered by its tokens that a text has (`finder`).
    Measured on characters, not tokens: "养狗办证" asks 养狗, 狗办, 办证, and an article about
    养狗 and 办证 covers all four characters though no text says 狗办."""
    total = covered = 0
    for run in runs:
        total += len(run)
        if len(run) == 1 or not _IS_CJK.match(run):
            covered += len(run) if has(run) else 0
            continue
        hit = [False] * len(run)
        for i in range(len(run) - 1):
            if has(run[i : i + 2]):
                hit[i] = hit[i + 1] = True
        covered += sum(hit)
    return covered / total if total else 0.0


def as_index_text(tokens: Iterable[str]) -> str:
    """Tokens as one space-separated string: what the FTS5 table and the tsvector are built
    from (both split on spaces and keep CJK characters as they are)."""
    return " ".join(tokens)
