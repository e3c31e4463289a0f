"""Which language a question is in: one the rules read, or one they cannot.

The rules read English, Spanish, French, German, Portuguese and Italian (`READ`). A
question is *unread* only when CLD2 (`pycld2`, Google's compact language detector:
deterministic, about a twentieth of a millisecond a question) says, reliably, that
both the text and its canonical reading (look-alike letters mapped to Latin) are in
another language, and not one it confuses with those six (`NEAR`: Catalan, Galician,
Interlingua, Latin...). Short or mixed questions, slang and drug names stay read,
so an English question is never sent away for its language. `unread_words` finds the
words of a substance, an amount or self-harm in any language (`[unread]` in
`lexicon.toml`), for questions the rules cannot read.

This module does not decide anything; `check.py` does.

    >>> detect("Bu gece ne kadar almalıyım, lütfen söyler misin?")
    'tr'
    >>> detect("how much molly is too much lol"), detect("¿Qué es el síndrome serotoninérgico?")
    ('en', 'es')
    >>> unread("Bu gece ne kadar almalıyım, lütfen söyler misin?"), unread("wie viel soll ich nehmen")
    (True, False)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycld2

from app.policy.lexicon import LEXICON, Lexicon
from app.policy.readings import MAX_CHARS, canonical

READ = frozenset({"en", "es", "fr", "de", "pt", "it"})
# Languages CLD2 gives to short questions in the six: read them as those.
NEAR = frozenset({"ca", "gl", "oc", "ia", "ie", "la", "co", "an", "ast", "sc", "eo", "lb", "rm", "wa"})
UNKNOWN = "un"


@lru_cache(maxsize=1024)
def _cld2(text: str, best_effort: bool = False) -> tuple[str, bool]:
    """(language code, reliable) of `text`, `UNKNOWN` when CLD2 cannot say."""
    # subtle: CLD2 rejects control characters and text that is not valid UTF-8 (lone surrogates)
    clean = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn") or ch in "\n\t")
    try:
        reliable, _, found = pycld2.detect(clean, bestEffort=best_effort)
    except pycld2.error:
        return UNKNOWN, False
    code = found[0][1]
    return (code if code != "un" else UNKNOWN), reliable


def detect(text: str) -> str:
    """The language code CLD2 gives `text` (`"un"` when it cannot say), reliable or not; for a
    short text, its best guess."""
    code, _ = _cld2(text[:MAX_CHARS])
    return code if code != UNKNOWN else _cld2(text[:MAX_CHARS], best_effort=True)[0]


def reply_language(text: str) -> str:
    """The language to reply in: the question's when the rules read it, else English.

    >>> reply_language("Combien je dois en prendre ce soir ?"), reply_language("Сколько мне принять?")
    ('fr', 'en')
    """
    code = detect(text)
    return code if code in READ else "en"


def unread(text: str, *, lexicon: Lexicon = LEXICON) -> bool:
    """Is `text` reliably in a language the rules do not read, even once read canonically?"""
    text = text[:MAX_CHARS]
    code, reliable = _cld2(text)
    if _other_script(text, lexicon):
        return True
    if not reliable or code in READ or code in NEAR or code == UNKNOWN:
        return False
    code, _ = _cld2(canonical(text, lexicon=lexicon, max_word=None))
    return code not in READ and code not in NEAR


def _other_script(text: str, lexicon: Lexicon) -> bool:
    """Are most of the letters of `text` in a script other than Latin, look-alike letters aside?

    CLD2 may call a short mixed question unreliable ("처음인데 MDMA 몇 mg 먹어야 돼요?"),
    but the rules cannot read its Hangul either.

    >>> _other_script("처음인데 MDMA 몇 mg 먹어야 돼요?", LEXICON), _other_script("Hоw mуch MDMA?", LEXICON)
    (True, False)
    """
    look_alike = _look_alike(lexicon)
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha() and ch not in look_alike]
    if len(letters) < 4:
        return False
    other = sum(not ("a" <= ch.lower() <= "z") and not unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
    return other / len(letters) >= 0.5


@lru_cache(maxsize=4)
def _look_alike(lexicon: Lexicon) -> frozenset[str]:
    return frozenset(lexicon.data["reading"]["homoglyphs"])


def unread_words(text: str, kind: str, *, lexicon: Lexicon = LEXICON) -> str:
    """The first word of `kind` ("substance", "crisis" or "emergency") in `text`, in any language, or "".

    A unit (mg, мг, 毫克...) is one of the substance words. A short word in Latin letters
    (three letters or fewer) is found only as a whole word: "mg" is not in Tagalog "mga".

    >>> unread_words("Сколько таблеток мне принять?", "substance"), unread_words("Bugün hava nasıl?", "substance")
    ('таблет', '')
    >>> unread_words("Ano ang mga sintomas?", "substance"), unread_words("Ilang 100mg?", "substance")
    ('', 'mg')
    """
    folded = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    if kind == "substance":  # "כדור הארץ" is the Earth, though "כדור" is a pill
        for phrase, _ in _unread_table(lexicon).get("not_substance", ()):
            folded = folded.replace(phrase, " ")
        if friends := _false_friends(lexicon).get(_cld2(text[:MAX_CHARS])[0]):
            folded = friends.sub(" ", folded)  # Polish "droga", a road
    for word, latin in _unread_table(lexicon)[kind]:
        if word in folded and (latin is None or latin.search(folded)):
            return word
    return ""


def read(text: str) -> bool:
    """Is `text` reliably in one of the six languages the rules read?

    >>> read("What do the articles say about serotonin syndrome?"), read("我不想活了")
    (True, False)
    """
    code, reliable = _cld2(text[:MAX_CHARS])
    return reliable and code in READ


@lru_cache(maxsize=4)
def _false_friends(lexicon: Lexicon) -> dict[str, re.Pattern]:
    """Per language code, the pattern of its words that are another language's substance words."""
    return {code: re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\b")
            for code, words in lexicon.data["unread"].get("false_friends", {}).items()}


@lru_cache(maxsize=4)
def _unread_table(lexicon: Lexicon) -> dict[str, list[tuple[str, re.Pattern | None]]]:
    """Each kind's words, with the pattern that finds a short word in Latin letters as a word.
    An amount or dose word (`dose`) is a substance word too."""
    table = {}
    unread = lexicon.data["unread"]
    kinds = {kind: found for kind, found in unread.items() if kind != "false_friends"}
    kinds["substance"] = [*kinds["substance"], *kinds.get("dose", ())]
    for kind, found in kinds.items():
        table[kind] = []
        for w in found:
            word = unicodedata.normalize("NFKC", w).casefold()
            core = word.strip()
            latin = None
            if core.isascii() and core[:1].isalpha() and len(core) <= 3:
                latin = re.compile(rf"(?<![a-z]){re.escape(core)}(?![a-z])")
            table[kind].append((word, latin))
    return table
