"""Words to terms: the one tokenizer behind BM25, lexical overlap and term coverage.

A term is a lower-cased, Unicode-normalized word, stemmed with the Snowball
English stemmer, that is not a stop word. Slang names of the corpus's drug
(`DRUG_ALIASES`, via `expand_aliases`) become its canonical name in questions, so "molly" finds the
passages about MDMA; documents are tokenized without aliases.

This module does not know about chunks, scores or languages other than English.

    >>> terms("What are the symptoms of serotonin syndrome?")
    ['symptom', 'serotonin', 'syndrom']
    >>> terms("Does molly deplete serotonin?", aliases=True)
    ['mdma', 'deplet', 'serotonin']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from app.policy import canonical, drug_aliases

WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9]+s")  # SSRIs, MAOIs
INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# Street and slang names that mean the corpus's main substance, as whole words: one list
# for the policy and retrieval (app/policy/lexicon.toml, [drug]).
DRUG_ALIASES = drug_aliases()
DRUG_NAMES = frozenset(DRUG_ALIASES) | frozenset(DRUG_ALIASES.values())  # slang, and the name itself

# English function words and question words: they carry no topic.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each either else ever every few for from further get gets
got had hadn't has hasn't have haven't having he her here hers herself him himself his how
i i'm if in into is isn't it it's its itself just let's like many may me might more most
much must mustn't my myself need no nor not now of off often on once one only or other
ought our ours ourselves out over own per please quite rather really same shall she should
shouldn't so some such tell than that that's the their theirs them themselves then there
there's these they they're this those though through thus to too under until up upon us
use used using very via was wasn't we were weren't what what's when where which while who
whom whose why will with within without won't would wouldn't yes yet you your yours
yourself yourselves say says said according document documents article articles text
explain describe know anything something thing things way ways kind
give gives given gave mention mentions mentioned list lists listed name named happen
happens happened take takes taking took taken keep keeps kept bring brings stop stops go
goes going gone come comes put call called want wants mean means meant show shows shown
find found seem seems become becomes look looks think thinks talk talks actually already
together exactly specifically generally usually typically mainly particular particularly
whether let lot lots bit kinds sort sorts type types part parts example examples
""".split())

_stemmer = Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    """NFKC, invisible characters removed, curly apostrophes straightened.

    >>> normalize("ser\\u200boto\\u00adnin\\u2019s")
    "serotonin's"
    """
    text = INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return text.replace("\u2019", "'").replace("\u2018", "'")


def words(text: str) -> list[str]:
    """Lower-cased words, possessive "'s" and acronym plurals removed; hyphenated words split.

    Stable under a second pass: `words(" ".join(words(t))) == words(t)` for any text, even
    where case folding adds a mark ("İ" folds to "i" and a combining dot, which is
    dropped) or splits a letter, so questions and documents tokenize the same way.

    >>> words("SSRIs and MDMA's well-known effects")
    ['ssri', 'and', 'mdma', 'well', 'known', 'effects']
    >>> words("İSTANBUL Straße")
    ['istanbul', 'strasse']
    """
    out = []
    for w in WORD.findall(normalize(text)):
        w = w[:-2] if w.endswith("'s") else w
        w = w[:-1] if ACRONYM_PLURAL.fullmatch(w) else w
        folded = unicodedata.normalize("NFC", w.casefold().replace("i\u0307", "i"))
        out.extend(part for piece in folded.split("'") for part in WORD.findall(piece))
    return out


def terms(text: str, *, aliases: bool = False) -> list[str]:
    """The stemmed content words of `text`, in order, with repeats."""
    out = []
    for w in words(expand_aliases(text) if aliases else text):
        if w not in STOPWORDS and (len(w) > 1 or w.isdigit()):
            out.append(_stem(w))
    return out


LETTER_E_AFTER = re.compile(r"\.\s*[a-z]|-[A-Za-z]")  # "E. coli", "E-bike"
LETTER_E_BEFORE = re.compile(r"(?i)\b(?:vitamin|vitamins|grade|letter|key\s+of|type|plan|an|the\s+letter)\s+$")


def expand_aliases(text: str) -> str:
    """`text` with slang names of the drug replaced by its name, for embedding.

    >>> expand_aliases("Is molly bad for serotonin?")
    'Is MDMA bad for serotonin?'
    >>> expand_aliases("Is E. coli dangerous, and is vitamin E?"), expand_aliases("Is E bad for you?")
    ('Is E. coli dangerous, and is vitamin E?', 'Is MDMA bad for you?')
    >>> expand_aliases("Any nickname ideas for a girl named Molly?")
    'Any nickname ideas for a girl named Molly?'
    """
    if _everyday_only(text):
        return normalize(text)

    def swap(m: re.Match) -> str:
        word = m.group(0)
        canon = DRUG_ALIASES.get(word.casefold())
        # a lone lower-case "e", the "e" of "e.g.", an initial ("E. coli"), a prefix ("E-bike",
        # "E-number") or a vitamin's letter ("vitamin E") is a letter, not the drug
        if canon is None or word == "e" or m.string.startswith((".g", ". g"), m.end()):
            return word
        if word.casefold() == "e" and (LETTER_E_AFTER.match(m.string, m.end())
                                       or LETTER_E_BEFORE.search(m.string[:m.start()])):
            return word
        return canon.upper()
    return WORD.sub(swap, normalize(text))


def _everyday_only(text: str) -> bool:
    """Does `text` name the drug only in words the policy reads in an everyday sense (a girl
    named Molly, religious ecstasy, XTC the band: `names` and `everyday` in `lexicon.toml`)?
    A question that also names the drug as the drug has every one of its drug words read as
    the drug: the two senses are not told apart word by word.

    >>> _everyday_only("What did the mystics mean by religious ecstasy?"), _everyday_only("Is ecstasy addictive?")
    (True, False)
    >>> _everyday_only("Is mdmaa safe?"), _everyday_only("A nickname for my daughter Molly, e.g. Mols?")
    (False, True)
    """
    named = [w.casefold() for w in WORD.findall(text)]
    if not any(w in DRUG_ALIASES and w != "e" for w in named):
        return False  # "e" alone is a letter as often as the drug: it decides nothing here
    return not any(w in DRUG_NAMES and w != "e" for w in WORD.findall(canonical(text)))


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)
