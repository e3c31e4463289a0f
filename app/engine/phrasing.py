"""Questions written from a document's own sentences, for suggested and example questions.

Three shapes of English sentence give a question about their subject:

- a definition, "X is a/an/the …" → "What is X?" (and "X are …" → "What are X?");
- a modal one, "X can/may/could … cause …" → "What can X cause?";
- a plain verb from a short list, "X causes/increases/blocks …" → "What does X cause?".

The subject keeps its own words and casing, except a capital that only starts the
sentence (the passage has the word in lower case, or it is an -ing form or "The").
A subject that starts with "a"/"an" names no topic, and one holding a clause
("Research suggests that X") is no subject. Any other sentence, a
subject that is a pronoun or too long, or a language the patterns do not know gives
None, and the caller asks from the section heading instead (`from_heading`). This module
checks nothing: `suggest.py` offers a question only when the engine answers it.

    >>> question_from("Serotonin syndrome is a potentially life-threatening condition.",
    ...               context="… a case of serotonin syndrome …")
    'What is serotonin syndrome?'
    >>> question_from("MDMA can trigger manic episodes in some people.")
    'What can MDMA trigger?'
    >>> question_from("It inhibits the serotonin transporter.") is None
    True
"""

from __future__ import annotations

import re

MAX_SUBJECT_WORDS = 6
MAX_NAME_WORDS = 4  # a heading this short that links nothing names one thing
MAX_QUESTION_CHARS = 90  # a longer question reads like a sentence, not a suggestion

# verbs whose object a question can ask for: third person singular → base form
VERBS = {"causes": "cause", "triggers": "trigger", "increases": "increase",
         "reduces": "reduce", "raises": "raise", "lowers": "lower", "blocks": "block",
         "inhibits": "inhibit", "releases": "release", "affects": "affect",
         "produces": "produce", "regulates": "regulate", "influences": "influence",
         "enhances": "enhance", "prevents": "prevent", "treats": "treat", "requires": "require",
         "involves": "involve", "measures": "measure", "protects": "protect"}
MODALS = ("can", "may", "might", "could", "will")
# a subject that starts with one of these points elsewhere and means nothing alone
NOT_SUBJECTS = frozenset("""it its this that these those they them there here he she we you i
    some many most each both all such which what who one another other others several
    however although while when if because after before during""".split())
CLAUSE_WORDS = frozenset("""is are was were has have had that which who whom whose how why what when
    where whether if suggests shows says""".split()) | frozenset(VERBS)
WH_WORDS = frozenset("how why what when where who which can does do is are should".split())
NOUN_LINKS = frozenset("of on in for behind between beyond with to about from".split())  # "Role of X", "Impact on Y"
_DEFINITION = re.compile(r"^(?P<subj>[^,;:()\[\]“”\"]+?)\s+(?P<be>is|are)\s+"
                         r"(?:a|an|the|one of the)\s+\S")
_MODAL = re.compile(rf"^(?P<subj>[^,;:()\[\]“”\"]+?)\s+(?P<modal>{'|'.join(MODALS)})\s+"
                    r"(?:also\s+|often\s+)?(?P<verb>[a-z]+)\b")
_PLAIN = re.compile(rf"^(?P<subj>[^,;:()\[\]“”\"]+?)\s+(?:also\s+|often\s+)?"
                    rf"(?P<verb>{'|'.join(VERBS)})\b")


def question_from(sentence: str, *, context: str = "") -> str | None:
    """A question the sentence answers, or None when it has none of the known shapes;
    `context` (the passage around it) decides whether a leading capital is kept.

    >>> question_from("SSRIs are a class of antidepressants.")
    'What are SSRIs?'
    >>> question_from("Oxytocin also regulates trust and social bonding.")
    'What does Oxytocin regulate?'
    >>> question_from("The serotonin transporter is a protein that moves serotonin back.")
    'What is the serotonin transporter?'
    >>> question_from("Research suggests that MDMA may increase oxytocin release.") is None
    True
    """
    text = " ".join(sentence.split())
    if not text or text.endswith("?"):
        return None
    if m := _DEFINITION.match(text):
        subject = _subject(m["subj"], context)
        return _checked(subject and f"What {m['be']} {subject}?")
    if (m := _MODAL.match(text)) and m["verb"] in set(VERBS.values()):
        subject = _subject(m["subj"], context)
        return _checked(subject and f"What {m['modal']} {subject} {m['verb']}?")
    if m := _PLAIN.match(text):
        subject = _subject(m["subj"], context)
        return _checked(subject and f"What does {subject} {VERBS[m['verb']]}?")
    return None


def from_heading(heading: str, *, context: str = "") -> str:
    """The question a section heading asks: as it is when it is one; "What is/are …?" for a
    heading that names one thing ("Serotonin's Role", "The Role of Oxytocin", "Genetic
    Variability"); else a question about the heading. Title-case words are lowered unless
    `context` (the section's text) writes them with a capital inside a sentence.

    >>> from_heading("Can MDMA cause long-term damage?"), from_heading("How serotonin works")
    ('Can MDMA cause long-term damage?', 'How serotonin works?')
    >>> from_heading("Mechanisms of Action"), from_heading("Serotonin's Role")
    ('What are the mechanisms of action?', "What is serotonin's role?")
    >>> from_heading("Effects of Oxytocin", context="the release of Oxytocin rises")
    'What are the effects of Oxytocin?'
    >>> from_heading("PTSD and Anxiety")
    'What do the documents say about PTSD and Anxiety?'
    """
    heading = " ".join(heading.split()).rstrip(".:")
    words = heading.split(" ")
    if heading.endswith("?") or words[0].casefold() in WH_WORDS:
        return heading.rstrip("?") + "?"
    fallback = f"What do the documents say about {heading}?"
    if any(w.casefold() in ("and", "or", "vs", "vs.", "&") for w in words) or re.search(r"[:;(]", heading) \
            or words[0].casefold().endswith("ing"):
        return fallback
    lowered = [_lowered(w, context) for w in words]
    if words[0] == "The":
        asked = f"What {_be(words[1])} {' '.join(lowered)}?"
    elif re.match(r"^\S+['’]s$", words[0]) and len(words) > 1:
        asked = f"What {_be(words[1])} {' '.join(lowered)}?"
    elif len(words) > 2 and words[1].casefold() in NOUN_LINKS:
        asked = f"What {_be(words[0])} the {' '.join(lowered)}?"
    elif len(words) <= MAX_NAME_WORDS and words[0].casefold() not in NOT_SUBJECTS:
        head = next((words[i - 1] for i, w in enumerate(words) if i and w.casefold() in NOUN_LINKS),
                    words[-1])
        asked = f"What {_be(head)} {' '.join(lowered)}?"
    else:
        return fallback
    return _checked(asked) or fallback


def _be(noun: str) -> str:
    """ "are" for a plural noun, else "is" (a plural ends in s, not ss or sis). """
    low = noun.casefold()
    return "are" if low.endswith("s") and not low.endswith(("ss", "sis", "us", "'s", "’s")) else "is"


def _lowered(word: str, context: str) -> str:
    """A title-case word in lower case, unless `context` capitalizes it mid-sentence (a name)."""
    if not (word[:1].isupper() and word[1:].replace("’s", "").replace("'s", "").islower()):
        return word  # MDMA, SSRIs, 5-HT, lower case already
    base = re.sub(r"['’]s$", "", word)
    return word if re.search(rf"(?:^|\s)[a-z]{{2,}},? {re.escape(base)}\b", context) else word.lower()


def _subject(raw: str, context: str) -> str | None:
    """The subject as a question asks it, or None when it cannot stand alone."""
    words = raw.split()
    if not words or len(words) > MAX_SUBJECT_WORDS or words[0].casefold() in NOT_SUBJECTS \
            or words[0].casefold() in ("a", "an"):
        return None
    if any(w.casefold() in CLAUSE_WORDS for w in words[1:]):
        return None  # a clause, not a noun phrase
    first, rest = words[0], words[1:]
    # subtle: only a capital that merely starts the sentence goes; "MDMA", "Serotonin
    # Syndrome" (a name in title case) stay as written
    if first[:1].isupper() and first[1:].islower() and not any(
            w[:1].isupper() and w[1:].islower() for w in rest):
        if first == "The" or first.endswith("ing") or re.search(rf"\b{re.escape(first.lower())}\b",
                                                                 context):
            words[0] = first.lower()
    return " ".join(words)


def _checked(question: str | None) -> str | None:
    return question if question and len(question) <= MAX_QUESTION_CHARS else None
