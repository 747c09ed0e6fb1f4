"""重复诉求: the fingerprint of an appeal's text and the similarity that confirms a duplicate.

Pure functions (no database): the models store what `fingerprint` returns, the services query
with it and confirm candidates with `verify`. docs/insight/duplicates.md explains the choices."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

# 30 MinHash values in 10 bands of 3: two texts whose shingle sets have Jaccard J share at least
# one band key with probability 1 - (1 - J**3)**10: 0.24 at J=0.3, 0.72 at J=0.5, 0.98 at 0.7,
# 0.0006 at the J≈0.04 of two unrelated messages. Changing these changes every stored key:
# re-run `manage.py duplicates_index` afterwards.
BANDS = 10
ROWS_PER_BAND = 3
PERMUTATIONS = BANDS * ROWS_PER_BAND
SHINGLE = 3
# Enough to identify a complaint; the rest of a long letter adds cost, not evidence.
MAX_CHARS = 800
CONTENT_CHARS = 2 * MAX_CHARS  # cut before normalising: whitespace is never half a message
MAX_PLACES = 3

_rng = np.random.Generator(np.random.PCG64(20200112))
# Multiply-shift hashing (Dietzfelbinger): h(x) = ((a*x + b) mod 2**64) >> 32, a odd.
_A = _rng.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64)
# Odd multipliers that combine one band's values (and its index) into one key.
_MIX = _rng.integers(1, 2**63, size=ROWS_PER_BAND + 1, dtype=np.uint64) * np.uint64(2) + np.uint64(
    1
)

_NOT_WORD = re.compile(r"[\W_]+")
# Anonymised administrative names (A市, A3区, K9县) say which city, not which place.
_ADMIN = re.compile(r"[a-z]\d*[市区县]")

# Words that end the names of compounds, roads, villages, schools, companies...: a place key is
# such a word with the two or three characters before it ("发新城" and "丽发新城" for 丽发新城),
# since where a name starts cannot be told without a dictionary and two mentions of one place
# share at least one of the two.
_PLACE_END = re.compile(
    r"小区|新城|新村|花园|家园|公寓|大厦|广场|商城|中心|市场|学校|小学|中学|大学|学院|医院|幼儿园|"
    r"公园|公司|集团|驾校|车站|园|苑|城|府|湾|村|组|镇|乡|街道|社区|大道|路|街|巷|桥"
)
# Characters that do not occur inside a name, and names too common to tell places apart.
_NOT_IN_NAME = re.compile(
    r"[的了在是和与及对向从到把被我你他她们这那个些有无不要请问何为吗呢啊"
    r"附近周边旁边门口所在该此本]"
)
_GENERIC = {
    "公交车站",
    "居民小区",
    "住宅小区",
    "安置小区",
    "老旧小区",
    "物业公司",
    "开发公司",
    "有限公司",
    "发展公司",
    "投资公司",
    "建设集团",
    "城市中心",
}
_PLACE_WINDOW = 200


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, no whitespace or punctuation (the messages come
    with tabs, line breaks and either width of punctuation)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def appeal_text(title: str, content: str) -> str:
    """What is fingerprinted: the title and the start of the content, normalised."""
    return normalise(f"{title or ''} {(content or '')[:CONTENT_CHARS]}")[:MAX_CHARS]


def shingle_ids(text: str) -> np.ndarray:
    """The distinct character 3-grams of a normalised text, each packed exactly into one
    integer (three code points of 21 bits): no hashing, so no collisions."""
    if not text:
        return np.zeros(0, dtype=np.uint64)
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(cp) < SHINGLE:
        cp = np.concatenate([cp, np.zeros(SHINGLE - len(cp), dtype=np.uint64)])
    ids = (cp[:-2] << np.uint64(42)) | (cp[1:-1] << np.uint64(21)) | cp[2:]
    return np.unique(ids)


def minhash(ids: np.ndarray) -> np.ndarray:
    """PERMUTATIONS MinHash values (uint64 < 2**32) of a shingle set; all 2**32-1 if empty."""
    if len(ids) == 0:
        return np.full(PERMUTATIONS, 2**32 - 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        values = (ids[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    return values.min(axis=0)


def band_keys_bulk(signatures: np.ndarray) -> np.ndarray:
    """Band keys of many signatures at once: (n, PERMUTATIONS) -> (n, BANDS) int64, each key
    in [0, 2**63) so that it fits a signed bigint column on every database."""
    n = signatures.shape[0]
    bands = signatures.reshape(n, BANDS, ROWS_PER_BAND).astype(np.uint64)
    with np.errstate(over="ignore"):
        keys = np.arange(1, BANDS + 1, dtype=np.uint64)[None, :] * _MIX[ROWS_PER_BAND]
        for r in range(ROWS_PER_BAND):
            keys = (keys ^ (bands[:, :, r] * _MIX[r])) * np.uint64(0x9E3779B97F4A7C15)
            keys ^= keys >> np.uint64(29)
    return (keys >> np.uint64(1)).astype(np.int64)


def band_keys(signature: np.ndarray) -> list[int]:
    return [int(k) for k in band_keys_bulk(signature.reshape(1, -1))[0]]


def places(title: str, content: str) -> list[str]:
    """Keys of the named places the title and the start of the content mention (the title's
    first), at most MAX_PLACES names (each gives up to two keys, see _PLACE_END)."""
    text = (
        _ADMIN.sub("", normalise(title))
        + "|"
        + _ADMIN.sub("", normalise((content or "")[: 2 * _PLACE_WINDOW]))[:_PLACE_WINDOW]
    )
    found: list[str] = []
    names = 0
    for match in _PLACE_END.finditer(text):
        start = match.start()
        added = False
        for size in (2, 3):
            if start - size < 0:
                break
            head = text[start - size : start]
            if "|" in head or _NOT_IN_NAME.search(head) or head.isdigit():
                break
            name = head + match.group()
            if name in _GENERIC or name.endswith("政府"):
                continue
            if name not in found:
                found.append(name)
                added = True
        names += added
        if names >= MAX_PLACES:
            break
    return found


def place_key(name: str) -> int:
    digest = hashlib.blake2b(f"place:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclass(frozen=True)
class Fingerprint:
    text: str
    shingles: np.ndarray
    bands: list[int]
    places: list[str]

    @property
    def keys(self) -> list[int]:
        """Every key stored for the appeal: its band keys and one key per named place."""
        return list(dict.fromkeys([*self.bands, *(place_key(p) for p in self.places)]))


def fingerprint(title: str, content: str, *, with_bands: bool = True) -> Fingerprint:
    """The fingerprint of an appeal; without bands (not needed to verify a candidate) it
    costs half as much."""
    text = appeal_text(title, content)
    ids = shingle_ids(text)
    return Fingerprint(
        text=text,
        shingles=ids,
        bands=band_keys(minhash(ids)) if with_bands else [],
        places=places(title, content),
    )


# --- verification ---------------------------------------------------------------------------

# A candidate is a duplicate if the texts are near-identical, or if they name the same place and
# say much the same about it. Chosen on data/teddy2020/duplicate-pairs.csv (see the docs).
MIN_SIMILARITY = 0.3
MIN_SIMILARITY_SAME_PLACE = 0.08


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The mean of Jaccard and containment of two shingle sets: containment forgives one text
    being a longer version of the other, Jaccard keeps a short generic text from matching
    every long one."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    jaccard = common / (len(a) + len(b) - common)
    containment = common / min(len(a), len(b))
    return (jaccard + containment) / 2


def same_place(a: Fingerprint, b: Fingerprint) -> bool:
    return bool(set(a.places) & set(b.places))


def verify(new: Fingerprint, earlier: Fingerprint) -> float:
    """The score of a confirmed duplicate (0-1, higher is surer), or 0.0 if it is not one."""
    score = similarity(new.shingles, earlier.shingles)
    if score >= MIN_SIMILARITY:
        return round(score, 4)
    if score >= MIN_SIMILARITY_SAME_PLACE and same_place(new, earlier):
        return round(score, 4)
    return 0.0


__all__ = [
    "BANDS",
    "MAX_CHARS",
    "PERMUTATIONS",
    "Fingerprint",
    "appeal_text",
    "band_keys",
    "band_keys_bulk",
    "fingerprint",
    "minhash",
    "normalise",
    "place_key",
    "places",
    "same_place",
    "shingle_ids",
    "similarity",
    "verify",
]
