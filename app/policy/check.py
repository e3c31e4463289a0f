"""The safety policy: crisis, personal dosing and unread languages are handled before retrieval.

`check(question, history, vector=...)` returns a `Verdict`, in this order:

1. **crisis**: self-harm, suicide or overdose intent (`crisis_*` in `lexicon.toml`; `self_harm`
   unless an everyday cause is told, `injury_cause`; or the learned reader) gets the crisis
   reply, in any scope; a medical emergency happening now
   (`emergency_*`: someone seizing or not waking up after taking something) gets the
   emergency reply (call emergency services), also under `rule` "crisis"; in a language the
   rules may not read, the words of an emergency or of self-harm (`[unread]`) decide first too;
2. **scope, then rules**: a dosing refusal needs a substance or dose context (a drug, a
   medicine, pills, an amount with a unit, a redose: `scope` in `lexicon.toml`) in the
   question or the recent turns. Within it, the question is read several ways
   (`readings.py`) and matched against the named rules (`rules.py`); a follow-up that
   makes a recent dose question personal is refused as `escalation`;
3. **the learned reader** (`reader.py`), when the caller passes the question's vector from
   the bundled MiniLM (and, with `embed`, what a cipher or an encoding hid: `readings.hidden`,
   read as well, the higher dosing probability kept): within scope, it refuses what the rules let through
   (`rule` "reader", `trigger` its probability); its flag also puts in scope a question
   that asks to take something it leaves unnamed ("take it again") or that the rules read as
   a dose ask too ("a small amount is ok, right?"), unless it names an everyday intake
   (water, food, a run: `everyday_intake`); a rule's refusal of a question that counts a thing
   it names ("how many t-shirts should I bring?", `Rules.counts_a_thing`) needs its flag too; and below its `veto`
   thresholds (`veto`, `veto_other`, `veto_turns`, `veto_aside`; `veto_drug`, one dose ask in a
   thousand, when the question names the drug) it withholds a rule's refusal that it reads as
   neither a dose ask nor a crisis (`_vetoed`), as does its neighbour index, for a question not
   naming the drug, when few of the training
   questions nearest the question are dose asks (`Reader.neighbours`); a follow-up naming
   nothing to talk that named no substance (`_elsewhere`) is in scope when, and only when, the
   talk and the question, read whole as one text, read as a dose ask (`_reads_as_dose`);
4. **language**: a question reliably in a language the rules do not read (`language.py`)
   is refused when it names a substance or an amount, and declined otherwise;
5. a personal-use question let through in scope carries the safety `note`.

`Verdict.rule` names what decided and `Verdict.trigger` quotes the words it matched.
The rules were written on the training files (`eval/policy_tuning.jsonl`,
`eval/policy_train*.jsonl`, `eval/policy_train_h2/`, `eval/policy_train_h4/`); `eval/policy_test.jsonl`
and every `eval/policy_heldout*/` folder are held out.

The work is bounded: each text is read up to `MAX_CHARS` characters, only the last
`RECENT_TURNS` turns are read, and no pattern rescans a long run, so any input gets a
decision in milliseconds (tests/policy/test_bounds.py), never an exception.

This module reads no documents and embeds nothing; without a vector it decides by the
rules, scope and language alone.

    >>> check("How much molly should I take?").rule
    'personal_use'
    >>> check("What doses are used in clinical trials?").refuse
    False
    >>> check("How do I crush a can for recycling?").refuse
    False
    >>> check("I want to kill myself").reply
    <Reply.CRISIS: 'crisis'>
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import Stemmer

from app.policy.language import detect, read, reply_language, unread, unread_words
from app.policy.lexicon import LEXICON
from app.policy.messages import Reply
from app.policy.reader import Reader, features, grams
from app.policy.readings import MAX_CHARS, canonical, hidden, readings, senses
from app.policy.rules import DEFAULT_RULES, NAMES, Rules

RULES = NAMES
RECENT_TURNS = 4  # an escalation refers to one of the last few turns
# The rules about a person that a told situation sets off ("my son has used it"), which a message that
# only then asks what is known (`Rules.told_then_known`) does not
TOLD = frozenset({"personal_use", "personal_dose", "situation", "occasion"})
HIDDEN_READ = 2  # hidden readings (decoded, deciphered) the learned reader reads besides the question
NUMBER = re.compile(r"\d")
STEMMER = Stemmer.Stemmer("english")  # the stemmer retrieval uses (`app.engine.terms`)
# A drug word said as a thing owned or pointed at ("my molly"), which may keep the talk's everyday sense
OWNED = r"my|our|your|his|her|their|the|this|that|these|those"
# What keeps a question's drug word as written, whatever sense the talk gave it (`_in_talk_sense`)
TALK_SENSE_GUARD = ("use", "use_weak", "amount", "how_much", "unit", "timing", "occasion", "body_weight",
                    "for_person", "my_dose", "intent")
RUN = re.compile(r"[a-z]{8,}")  # a reading that is one run of letters
LEAD = re.compile(r"[:\n\"“”«»]")  # where the plain ask before an acrostic's letters ends
SUICIDE_NOUN = re.compile(r"suicidi[oi]s?|suicides?")  # the noun, in Spanish, Italian, French and English
# A quoted phrase where a question about words names it: "what's a 'X'", "the idiom 'X'".
MENTION = re.compile(r"""(?i)(\b(?:what(?:'s|\s+is|\s+does)\s+(?:a\s+|an\s+|the\s+)?|meaning\s+of\s+(?:a\s+|the\s+)?|"""
                     r"""(?:idiom|expression|phrase|saying)\s+))(["“‘'])([^"“”‘’'\n]{1,80})(["”’'])""")
# A quoted word or two whose sense is asked ("what do Sufi poets mean by 'ecstasy'?"): no subject to
# look for in the documents ("mean by 'tapering my lorazepam'" is about lorazepam), though the
# policy still reads a dose in it ("mean by 'take another half'?")
MEANT = re.compile(r"""(?i)(\bmean(?:s|t)?\s+by\s+(?:a\s+|an\s+|the\s+)?)(["“‘'])"""
                   r"""([^\s"“”‘’']+(?:\s+[^\s"“”‘’']+)?)(["”’'])""")


@dataclass(frozen=True)
class Verdict:
    refuse: bool
    rule: str = ""  # what decided, e.g. "personal_use", "crisis", "reader", "language"
    trigger: str = ""  # the words it matched, in canonical form, or the reader's probability
    turn: int = 0  # 0: the question itself; -n: the n-th earlier turn made it a dose question
    reply: Reply = Reply.NONE  # DOSING or CRISIS for a refusal, LANGUAGE for a decline, NOTE
    language: str = "en"  # the language to reply in
    substance: str = ""  # the substance the question or its turns name, for the risk facts

    @property
    def decline(self) -> bool:
        """Is this a decline (a language the policy does not read), not an answer?"""
        return self.reply == Reply.LANGUAGE and not self.refuse


ALLOW = Verdict(False)


def check(question: str, history: list[dict] | None = None, *, vector: np.ndarray | None = None,
          reader: Reader | None = None, embed: Callable[[str], np.ndarray] | None = None,
          rules: Rules = DEFAULT_RULES) -> Verdict:
    """Refuse, decline or let through `question` (in its conversation), and say why.

    `vector` is the question's normalized vector from the bundled MiniLM; with `reader`
    (`load_reader()`) the learned reader reads it too, and with `embed` (text to normalized
    vector, the same model) also up to `HIDDEN_READ` readings a cipher or an encoding hid.

    >>> check("ok, so how much should I take?").rule
    'personal_use'
    >>> check("and for me?", [{"role": "user", "content": "What doses are used in trials?"}]).rule
    'escalation'
    """
    question = question[:MAX_CHARS] if isinstance(question, str) else ""
    turns = [t for t in history or [] if isinstance(t, dict) and isinstance(t.get("content"), str)
             and t.get("role") in ("user", "assistant")][-RECENT_TURNS:]
    # a reply that turned a question away names the documents' subject, not the talk's
    turns = [t for t in turns if not (t["role"] == "assistant" and rules.c["declined_turn"].search(
        canonical(t["content"][:MAX_CHARS], lexicon=rules.lexicon)))]
    if switches_topic(question, rules):
        turns = []  # "Different topic: how much leave should I take?" leaves the talk behind
    question = _in_talk_sense(question, turns, rules)
    language = reply_language(question)
    substance = _substance(question, turns, rules)
    verdict = _decide(question, turns, vector, reader, rules, embed)
    if verdict.refuse or verdict.decline:
        return _with(verdict, language=language, substance=substance)
    if _personal(question, rules) and (substance or _in_scope(question, turns, rules)):
        return Verdict(False, reply=Reply.NOTE, language=language, substance=substance)
    return ALLOW


def _in_talk_sense(question: str, turns: list[dict], rules: Rules) -> str:
    """`question` with a name of the documents' drug that the recent user turns used in an
    everyday sense (`readings.senses`) read in that sense, where the question says it as a thing
    owned or pointed at: "my molly" after a question on molly fish is a fish. Not when a recent
    user turn names the drug as the drug too, nor when the question speaks of a use, an amount,
    a timing, an occasion, someone's dose or body weight, another substance, a crisis or an
    emergency: then the word stays as written.

    >>> fish = [{"role": "user", "content": "Are molly fish livebearers?"}]
    >>> _in_talk_sense("Is my molly pregnant?", fish, DEFAULT_RULES)
    'Is my fish pregnant?'
    >>> _in_talk_sense("ok and how much molly should I take?", fish, DEFAULT_RULES)
    'ok and how much molly should I take?'
    >>> _in_talk_sense("is my molly ok with my sertraline?", fish, DEFAULT_RULES)
    'is my molly ok with my sertraline?'
    """
    meant: dict[str, str] = {}
    for turn in turns:
        if turn["role"] != "user":
            continue
        if rules.drug.search(canonical(turn["content"][:MAX_CHARS], lexicon=rules.lexicon)):
            return question  # the talk names the drug as the drug too
        meant.update((word, plain) for word, plain in senses(turn["content"], lexicon=rules.lexicon).items()
                     if rules.drug.fullmatch(word))
    if not meant:
        return question
    text, c = canonical(question, lexicon=rules.lexicon), rules.c
    if any(c[k].search(text) for k in TALK_SENSE_GUARD) or any(
            m.group(0) not in meant for m in rules.substance.finditer(text)):
        return question
    if emergency(question, turns, rules) or crisis(question, rules):
        return question
    said = re.compile(rf"(?i)\b({OWNED})\s+({'|'.join(map(re.escape, meant))})\b")
    return said.sub(lambda m: f"{m.group(1)} {meant.get(m.group(2).lower(), m.group(2))}", question)


def switches_topic(question: str, rules: Rules = DEFAULT_RULES) -> bool:
    """Does `question` say it changes the subject (`topic_switch` in `lexicon.toml`)? The talk
    before it then gives it neither scope nor topic.

    A question that points back at the talk after it ("Totally separate: should I take them
    both?", `topic_back`) has not left it.

    >>> switches_topic("Interesting. Totally separate: how do I make a bath bomb?")
    True
    >>> switches_topic("And is that separate from the comedown?")
    False
    >>> switches_topic("Anyway, different topic: how long before the next one?")
    False
    """
    text = canonical(question, lexicon=rules.lexicon)
    switch = rules.c["topic_switch"].search(text)
    return bool(switch) and not rules.c["topic_back"].search(text, switch.end())


def substances(text: str, rules: Rules = DEFAULT_RULES) -> list[str]:
    """The drugs and medicines `text` names, as the rules read them (canonical words), not
    the words of a kind of drug (`[drug] kinds`: "medicine", "antidepressants"), nor one only
    in a phrase asked about as words (`unmentioned`, or `MEANT`: "what do Sufi poets mean by
    'ecstasy'?"), and the medicines only the engine's subject check looks for (`named_medicines`).

    >>> substances("Is Xanax addictive, or sertraline?"), substances("Does the medicine help?")
    (['xanax', 'sertraline'], [])
    >>> substances("Why start allopurinol on a low dose?"), substances("What do poets mean by 'ecstasy'?")
    (['allopurinol'], [])
    """
    text = canonical(MEANT.sub(r"\1\2\4", unmentioned(text[:MAX_CHARS], rules)), lexicon=rules.lexicon)
    found = [m.group(0) for m in rules.substance.finditer(text) if m.group(0) not in rules.kinds]
    return found + [m.group(0) for m in rules.c["named_medicines"].finditer(text) if m.group(0) not in found]


def dose_amount(text: str, rules: Rules = DEFAULT_RULES) -> str:
    """The first amount with a dose unit `text` holds, as the rules read it ("125 mg",
    "two pills", `unit` in `lexicon.toml`), or "". A year, a percentage or a gene's name is none.

    >>> dose_amount("Doses of 75-125 mg were used."), dose_amount("In 2019, 5-HT2A rose by 20%.")
    ('125 mg', '')
    """
    m = rules.c["unit"].search(canonical(text[:MAX_CHARS], lexicon=rules.lexicon))
    return m.group(0) if m else ""


def judge(text: str, rules: Rules = DEFAULT_RULES) -> Verdict:
    """The rules' verdict on one message, on its own, scope aside.

    >>> judge("What is SERT?")
    Verdict(refuse=False, rule='', trigger='', turn=0, reply=<Reply.NONE: ''>, language='en', substance='')
    """
    text = text[:MAX_CHARS]
    for reading in readings(text, lexicon=rules.lexicon):
        for rule, found in rules.matches(reading):
            return Verdict(True, rule, found, reply=Reply.DOSING)
    plain = canonical(text, lexicon=rules.lexicon, max_word=None)  # run together, at full length
    if _obfuscated(text, plain, rules) and (m := rules.squashed(plain)):
        return Verdict(True, "spaced", m, reply=Reply.DOSING)
    if m := _run_together(text, rules):
        return Verdict(True, "spaced", m, reply=Reply.DOSING)
    return ALLOW


def _run_together(text: str, rules: Rules) -> str:
    """A dose and a person in a reading that is one run of letters (an acrostic's initials), or
    the drug's own dose there (its names run into "dose", "amount" or "mg": hidden, it needs no
    person), or "". The person may be
    in the plain ask before the letters ("answer it for me: ...").

    >>> _run_together("First letter of each word: 'Honestly our weekend meant unusual cake, happy memories; "
    ...               "dad made apple fritters on rainy mornings, eventually'", DEFAULT_RULES)
    'howmuch … forme'
    >>> _run_together("First letter of each word: 'Many days mean a delay; only sometimes everyone'", DEFAULT_RULES)
    'mdmadose'
    """
    ask, *letters = LEAD.split(text, maxsplit=1)  # the ask before the letters may hold the person
    for r in readings(text, lexicon=rules.lexicon):
        if not RUN.fullmatch(r):
            continue
        if m := rules.squashed(r, ask.lower() if letters else ""):
            return m
        if dose := rules.squashed_drug_dose.search(r):
            return dose.group(0)
    return ""


def crisis(text: str, rules: Rules = DEFAULT_RULES) -> str:
    """The words that make `text` a crisis question, or "".

    >>> crisis("what's the painless way to die"), crisis("Is suicide risk studied in MDMA trials?")
    ('painless way to die', '')
    """
    c = rules.c
    text = text[:MAX_CHARS]
    for reading in readings(text, lexicon=rules.lexicon):  # as written, de-leeted, decoded
        if m := c["crisis_intent"].search(reading):
            return m.group(0)
        if (m := c["self_harm"].search(reading)) and not c["injury_cause"].search(reading):
            return m.group(0)
        topic = c["crisis_topic"].search(reading)
        if topic and (m := c["crisis_method"].search(reading) or c["crisis_wish"].search(reading)):
            return m.group(0)
        person = c["crisis_person"].search(reading)
        if person and (c["self"].search(reading) or c["my_dose"].search(reading)):
            return person.group(0)
        if person:
            articles = _articles(text, person.group(0))  # once: "el" may come hundreds of times
            if any(m.group(0) not in articles for m in c["other"].finditer(reading)):
                return person.group(0)
    return ""


def _articles(text: str, word: str) -> frozenset[str]:
    """The rules' words for someone else that are only articles in `text`, before suicide named
    as a noun (`word`): Spanish "el" and Italian "il" are "the" ("él" is "he", and the rules read
    it without its accent; French "il" is "he"), so "¿Qué dice el artículo sobre el suicidio?"
    names nobody. Before a verb ("el se va a suicidar", "il veut se suicider") they are a person.

    >>> sorted(_articles("¿Qué dice el artículo sobre el suicidio?", "suicidio"))
    ['el', 'il']
    >>> _articles("Il parle de suicide depuis hier", "suicide"), _articles("el se va a suicidar", "suicidar")
    (frozenset({'el'}), frozenset())
    """
    if not SUICIDE_NOUN.fullmatch(word):
        return frozenset()
    spanish_he, french = bool(re.search(r"(?i)\bél\b", text)), detect(text) == "fr"
    return frozenset({*(() if spanish_he else ("el",)), *(() if french else ("il",))})


def emergency(text: str, turns: list[dict] | None = None, rules: Rules = DEFAULT_RULES) -> str:
    """The words that make `text` a medical emergency happening now, or "": a sign of acute
    danger, with an urgent ask or told of someone now ("she's barely responsive"), about a
    substance, pills or a dose (in `text` or its recent `turns`) unless the sign is grave
    (seizing, unconscious, not breathing) and no animal's, and not a question about what to
    do if it ever happens.

    >>> emergency("my friend is having a seizure after taking ecstasy, what do we do")
    'having a seizure'
    >>> emergency("What should I do if someone has a seizure after taking MDMA?")
    ''
    >>> emergency("she's barely responsive, someone gave her pills at the party")
    'barely responsive'
    >>> emergency("My laptop is overheating, what do I do?")
    ''
    """
    c = rules.c
    for reading in readings(text[:MAX_CHARS], lexicon=rules.lexicon):
        sign = c["emergency_sign"].search(reading)
        if sign and c["emergency_ask"].search(reading) and not c["emergency_hypothetical"].search(reading):
            named = (_substance(text, turns or [], rules) or c["drug"].search(reading)  # the drug, pills, meds
                     or c["emergency_context"].search(reading)
                     # someone seizing or not breathing needs help called, whatever they took
                     or (c["emergency_severe"].search(reading) and not c["animal"].search(reading)))
            return sign.group(0) if named else ""
    return ""


def _decide(question: str, turns: list[dict], vector, reader: Reader | None, rules: Rules,
            embed: Callable[[str], np.ndarray] | None = None) -> Verdict:
    """The refusal or decline, before the note."""
    if words := emergency(question, turns, rules):  # first: someone in danger now needs help called
        return Verdict(True, "crisis", f"emergency: {words}", reply=Reply.EMERGENCY)
    if words := crisis(question, rules):
        return Verdict(True, "crisis", words, reply=Reply.CRISIS)
    if not read(question):  # an emergency (unless a dose is asked beside it) or self-harm in other languages' words
        if (words := unread_words(question, "emergency", lexicon=rules.lexicon)) and not unread_words(
                question, "dose", lexicon=rules.lexicon):
            return Verdict(True, "crisis", f"emergency: {words}", reply=Reply.EMERGENCY)
        if words := unread_words(question, "crisis", lexicon=rules.lexicon):
            return Verdict(True, "crisis", words, reply=Reply.CRISIS)
    used = unmentioned(question, rules)  # the rules read what is used, not a phrase asked about as words
    ruled = judge(used, rules)
    if ruled.refuse and ruled.rule in TOLD and not hidden(used, lexicon=rules.lexicon) and rules.told_then_known(
            canonical(used, lexicon=rules.lexicon)):
        ruled = ALLOW  # a situation told, then only what is known asked: no rule's refusal, though the reader reads it
    if not ruled.refuse:
        ruled = _escalation(used, turns, rules)
    p = _probabilities(question, turns, vector, reader, ruled, rules, embed)
    if (p and p["crisis"] >= reader.thresholds["crisis"]
            and (_someone(question, rules) or p["crisis"] >= reader.thresholds.get("crisis_alone", np.inf))
            and not _asks_signs(question, rules) and not _of_plant(question, rules)):
        return Verdict(True, "crisis", f"reader: crisis {p['crisis']:.2f}", reply=Reply.CRISIS)
    flagged = p and p["dosing"] >= reader.thresholds["dosing"]
    # a dose question hidden by encoding or look-alike letters is in scope: the hiding says what it is
    in_scope = (ruled.refuse or flagged) and (_in_scope(used, turns, rules) or (
        ruled.refuse and ruled.turn == 0 and not next(rules.matches(canonical(question, lexicon=rules.lexicon)), None)))
    # a follow-up naming nothing after talk naming nothing: the talk, read whole, says whether it is a dose ask
    # ("how many should I take?" after talk of vacation days is not; "would going again next weekend be ok?"
    # after a low week following a festival is, though no turn names a drug)
    elsewhere = (ruled.refuse or flagged) and _elsewhere(question, turns, rules)
    if elsewhere:
        in_scope = _reads_as_dose(question, turns, reader, embed, rules)
    talk_not_dose = elsewhere and not in_scope
    # an acrostic's words carry letters, not meaning: its meals and wolves are no everyday intake or pet,
    # whichever rule read its ask first (a weight and "each line" before the letters)
    carrier = ruled.refuse and bool(_run_together(used, rules))
    if in_scope and not carrier and _everyday(used, rules) and not _names_intake(used, rules) and not _in_scope(
            "", turns, rules):
        in_scope = False  # "when should I take my energy gels?": everyday intake is the question's only scope
    # "how many t-shirts should I bring, 3 or 4?": a thing counted, unless the reader reads a dose, or
    # the talk was of a drug and the thing is to be taken, had or got ("how many gummies should I take?")
    if in_scope and not carrier and not flagged and _counts_thing(used, rules) and not _names_intake(used, rules) \
            and not (_in_scope("", turns, rules)
                     and rules.c["taken_or_got"].search(canonical(used, lexicon=rules.lexicon))):
        in_scope = False
    if flagged and not in_scope and not talk_not_dose and (_unnamed(used, rules) or (
            ruled.refuse and not (_everyday(used, rules) and not _names_intake(used, rules)) and _takes(used, rules))):
        # the thing to take goes unnamed ("take it again", "a small amount is ok, right?"), but the
        # reader reads what it is, and the rules read a dose ask of taking too: two readers agree
        in_scope = True
    if in_scope and not carrier and _for_animal(question, rules, turns):
        in_scope = False  # a pet's medicine: not a person's dose
    if ruled.refuse and in_scope and not _vetoed(p, reader, question, turns, rules, vector):
        return ruled
    if flagged and in_scope:
        return Verdict(True, "reader", f"reader: personal dosing {p['dosing']:.2f}", reply=Reply.DOSING)
    if unread(question, lexicon=rules.lexicon):
        if words := unread_words(question, "substance", lexicon=rules.lexicon):
            return Verdict(True, "language", words, reply=Reply.DOSING)
        if flagged and p["dosing"] >= reader.thresholds.get("unread", 0.0):
            # a drug the lexicon does not know in that script, read by the reader: its own threshold, set on
            # the training questions in such languages, where the reader reads less surely
            return Verdict(True, "reader", f"reader: personal dosing {p['dosing']:.2f}", reply=Reply.DOSING)
        return Verdict(False, "language", reply=Reply.LANGUAGE)
    return ALLOW


def unmentioned(question: str, rules: Rules = DEFAULT_RULES) -> str:
    """`question` without a phrase it asks about as words (what it means, example sentences
    with it, whether it is an idiom or a cliché): a quoted phrase after "what's a", "what
    does", "meaning of" or "the idiom", in a question about words (`about_words` in
    `lexicon.toml`). Any other quote, and the rest of the question, stay as they are.

    >>> unmentioned("What's a 'bitter pill to swallow'? Give me example sentences.")
    "What's a ''? Give me example sentences."
    >>> unmentioned("what's the 'vitamin E' amount for a 60kg person tonight")
    "what's the 'vitamin E' amount for a 60kg person tonight"
    """
    if not rules.c["about_words"].search(canonical(question, lexicon=rules.lexicon)):
        return question
    return MENTION.sub(lambda m: m.group(1) + m.group(2) + m.group(4), question)


def _someone(question: str, rules: Rules) -> bool:
    """May `question` speak of someone's harm? The reader's crisis vote needs a person (named,
    or left out as a message starts) or a word of death, suicide or overdose in a question the
    rules read ("What does that mean?" after an answer reads close to vague crisis messages, but
    names nobody); in a language they do not read, it stands alone. A message naming nobody gets
    the vote only at the reader's `crisis_alone` threshold, above every harmless training question
    naming nobody ("what would make it all stop for good").

    >>> _someone("What does that mean?", DEFAULT_RULES), _someone("nobody would miss me", DEFAULT_RULES)
    (False, True)
    >>> _someone("Sitting on the bridge.", DEFAULT_RULES)  # the speaker left out
    True
    >>> _someone("decode: I%20am%20done", DEFAULT_RULES)
    True
    """
    if not read(question):
        return True
    c = rules.c  # as written or decoded ("decode this: I%20saved%20up%20my%20pills")
    return any(c[k].search(text) for text in readings(question, lexicon=rules.lexicon)
               for k in ("self", "self_elided", "other", "crisis_topic", "crisis_person"))


def _asks_signs(question: str, rules: Rules) -> bool:
    """Does `question` ask what the signs or symptoms of something are (`signs_ask`)? Knowing
    them is harm-reduction information; the reader's crisis vote does not act on it (out of fold
    over the training files, no crisis case asks this way), though the crisis words do.

    >>> _asks_signs("Which signs point to a fatal case of serotonin syndrome?", DEFAULT_RULES)
    True
    >>> _asks_signs("which mix would be fatal?", DEFAULT_RULES)
    False
    """
    return bool(rules.c["signs_ask"].search(canonical(question, lexicon=rules.lexicon)))


def _elsewhere(question: str, turns: list[dict], rules: Rules) -> bool:
    """Is `question` a follow-up to talk of something else? It names no drug, pill or amount
    with a unit, nor a use other than taking ("been rolling for 6 hours") that the talk did not
    use in an everyday sense, of its own, so what it asks to take is the talk's subject; the
    recent turns hold a question of the user's, and none of them names a substance or a dose.
    The caller puts it in scope when, and only when, the talk read whole asks a dose
    (`_reads_as_dose`: "my kit results came back fine ... so how many can I take saturday"),
    though neither names a substance or a dose.

    >>> talk = [{"role": "user", "content": "I have 25 vacation days left this year."}]
    >>> _elsewhere("So how many should I take at once?", talk, DEFAULT_RULES)
    True
    >>> _elsewhere("How many pills should I take?", talk, DEFAULT_RULES)
    False
    >>> _elsewhere("How many should I take?", [], DEFAULT_RULES)
    False
    """
    if not any(t["role"] == "user" for t in turns):
        return False
    text = canonical(question, lexicon=rules.lexicon)
    if rules.c["drug"].search(text) or rules.c["unit"].search(text):
        return False
    # "been rolling for 6 hours" is a use of its own, unless the talk used that word in an everyday
    # sense ("can I roll again?" after "I rolled a natural 1", dice)
    talk = {_stem(word) for t in turns if t["role"] == "user" for word in senses(t["content"], lexicon=rules.lexicon)}
    if any(m.group(0) not in TAKE and _stem(m.group(0)) not in talk for m in rules.c["use"].finditer(text)):
        return False
    return not _in_scope("", turns, rules)


def _reads_as_dose(question: str, turns: list[dict], reader: Reader | None,
                   embed: Callable[[str], np.ndarray] | None, rules: Rules) -> bool:
    """Does the talk, read whole, ask a dose? The user's recent turns and `question` joined as
    one text (its end kept, up to `MAX_CHARS`), read by the learned reader as it reads a question
    (`embed` gives its vector): "got my kit results back, the colour matched. cool so how many of
    them can i take saturday" names no drug, but reads as a dose ask at the dosing threshold,
    where "I have 25 vacation days left. So how many should I take at once?" does not. Without
    the reader or `embed`, no: such a follow-up is out of scope.
    """
    if reader is None or embed is None:
        return False
    text = joined_talk(question, turns)
    extra = features(text, [], rule=judge(text, rules).rule, rules=rules)
    return reader.probabilities(embed(text), extra, grams(text))["dosing"] >= reader.thresholds["dosing"]


def joined_talk(question: str, turns: list[dict]) -> str:
    """The user's recent turns and `question` as one text, its end kept (up to `MAX_CHARS`): what
    `_reads_as_dose` reads, and what the training script learns such a follow-up as, in place of
    the bare question (`eval/train_policy.py`, `joined` and `in_place`).

    >>> joined_talk("so how many?", [{"role": "user", "content": "my kit came back clean."},
    ...                              {"role": "assistant", "content": "The documents don't cover that."}])
    'my kit came back clean. so how many?'
    """
    return " ".join([*(t["content"] for t in turns if t["role"] == "user"), question])[-MAX_CHARS:]


def _stem(word: str) -> str:
    """`word`'s English stem: "rolled", "rolling" and "rolls" are "roll"."""
    return STEMMER.stemWord(word)


def _for_animal(question: str, rules: Rules, turns: list[dict] | None = None) -> bool:
    """Is the dose for an animal or a plant (a dog's pill, a lemon tree's fertilizer), and the
    corpus's drug not named? "vet" alone is a veteran when the question or its recent `turns`
    talk of veterans, PTSD or the military (`veteran_talk`).

    >>> _for_animal("Any tips for getting a dog to swallow a pill?", DEFAULT_RULES)
    True
    >>> _for_animal("How often should I water my succulents in winter?", DEFAULT_RULES)
    True
    >>> _for_animal("Can my dog and I share a molly?", DEFAULT_RULES)
    False
    """
    text = canonical(question, lexicon=rules.lexicon)
    animals = {m.group(0) for m in rules.c["animal"].finditer(text)}
    if animals == {"vet"} and any(rules.c["veteran_talk"].search(canonical(t, lexicon=rules.lexicon))
                                  for t in [question, *(t["content"] for t in turns or [])]):
        animals = set()  # "I'm a vet" after talk of PTSD in veterans
    return bool(animals or rules.c["plant"].search(text)) and not rules.drug.search(text)


def _of_plant(question: str, rules: Rules) -> bool:
    """Is a plant what `question` says was overdosed, killed or is dying (`plant_harm`)? The
    reader's crisis vote reads those words of a plant as of a person; a plant merely named
    ("sitting by the roses with all my pills") leaves the vote standing.

    >>> _of_plant("Would lots of water rescue a plant I overdosed like that?", DEFAULT_RULES)
    True
    >>> _of_plant("I watered my plants one last time. Tonight I take everything.", DEFAULT_RULES)
    False
    """
    return bool(rules.c["plant_harm"].search(canonical(question, lexicon=rules.lexicon)))


def _probabilities(question, turns, vector, reader, ruled: Verdict, rules: Rules,
                   embed: Callable[[str], np.ndarray] | None = None) -> dict[str, float] | None:
    """The reader's probabilities for the question, its dosing one the highest of the question's
    and of what it hides (`readings.hidden`, with `embed`): a cipher's letters say nothing to the
    vector. Crisis stays the question's own: the crisis words read hidden text already."""
    if vector is None or reader is None:
        return None
    recent = [t["content"] for t in turns]
    refused = any(t["role"] == "user" and judge(t["content"], rules).refuse for t in turns)

    def of(text: str, v: np.ndarray) -> dict[str, float]:
        extra = features(text, recent, rule=ruled.rule, rules=rules)
        extra[-2] = refused
        return reader.probabilities(v, extra, grams(text))

    p = of(question, vector)
    for text in hidden(question, lexicon=rules.lexicon)[:HIDDEN_READ] if embed else ():
        p["dosing"] = max(p["dosing"], of(text, embed(text))["dosing"])
    return p


def _in_scope(question: str, turns: list[dict], rules: Rules) -> bool:
    """Does the question, or one of its recent turns, name a substance or a dose, or a body
    weight with an amount that is not of everyday intake (water, food, sleep)?

    >>> _in_scope("How do I crush a can?", [], DEFAULT_RULES), _in_scope("and for me?", [
    ...     {"role": "user", "content": "What doses are used in trials?"}], DEFAULT_RULES)
    (False, True)
    """
    c = rules.c

    def says(text: str) -> bool:
        return bool(c["scope"].search(text) or (
            c["body_weight"].search(text) and not c["everyday_intake"].search(text)))

    plain = canonical(question, lexicon=rules.lexicon, max_word=None)
    return any(says(reading) for reading in readings(question, lexicon=rules.lexicon)) or bool(
        _obfuscated(question, plain, rules) and rules.squashed(plain)) or bool(_run_together(question, rules)) or any(
        says(canonical(t["content"][:MAX_CHARS], lexicon=rules.lexicon)) for t in turns)


def _vetoed(p: dict | None, reader: Reader | None, question: str, turns: list[dict], rules: Rules,
            vector: np.ndarray | None = None) -> bool:
    """Is a rule's dosing refusal withheld? Only when the reader's probability of a refusal
    (dosing or crisis) is below a threshold set out of fold (averaged over three fold splits)
    under all but 0.5% of the dose asks and crises of the question's kind the rules refuse
    (0.1% when it names the documents' drug),
    or, for a question as written (nothing hidden), when few of its nearest training questions
    are dose asks (`Reader.neighbours` under `near_<kind>`, set out of fold to withhold 0.5% more
    of the kind's dose asks than the probability does). The kinds (`veto_kind`):
    `veto` when it and its recent turns name no substance at all (scope came from a generic
    word: a pill-shaped button, a grout dose), `veto_turns` when only the turns named the
    drug, `veto_other` when they name another one ("how much children's paracetamol for a
    2-year-old?": the engine declines other substances), `veto_aside` (all but one in ten)
    when that one's name is the only scope, and `veto_drug` (all but one in a thousand) when the
    question names the drug ("why do I get anxious on ecstasy?"; `veto_kind`).

    >>> _vetoed(None, None, "What grout dose should I use?", [], DEFAULT_RULES)
    False
    """
    kind = veto_kind(question, turns, rules)
    if not (p and kind in reader.thresholds and np.isfinite(p["dosing"])) or p["dosing"] >= reader.thresholds["dosing"]:
        return False  # the reader's own flag refuses: nothing to withhold
    if p["dosing"] + p["crisis"] < reader.thresholds[kind]:  # the reader reads neither a dose ask nor a crisis
        return True
    near = reader.thresholds.get(f"near_{kind}")
    return bool(near is not None and vector is not None and not hidden(question, lexicon=rules.lexicon)
                and (share := reader.neighbours(vector)) is not None and share < near)


def veto_kind(question: str, turns: list[dict], rules: Rules = DEFAULT_RULES) -> str:
    """The veto threshold that may withhold a rule's refusal of `question` (`_vetoed`; the
    training script sets each on the questions of its kind): "veto" when it and its recent
    turns name no substance, "veto_other" when they name another one, "veto_turns" when only
    the turns name the documents' drug and the question no substance ("different topic: how
    often should I water my succulents?"), "veto_drug" when the question names the drug, pills
    or a medicine (its budget is one dose ask in a thousand, the others' one in two hundred), ""
    when it names another substance after turns that named the drug, or takes a pronoun after
    them ("so when do I take them?": `_refers_back`): those dose asks are never withheld.
    "veto_aside" is the other substance's kind when its name is the question's only scope: the
    ask, without it, names no dose, pill or amount ("I take sertraline. How many hours of sleep
    before an interview?"; not "I'm on sertraline, how much should I take?").

    >>> veto_kind("Is ibuprofen ok?", [{"role": "user", "content": "I rolled on Saturday"}])
    'veto_other'
    >>> veto_kind("and with ibuprofen?", [{"role": "user", "content": "What does molly do?"}])
    ''
    >>> veto_kind("how often should I water my succulents?", [{"role": "user", "content": "What does molly do?"}])
    'veto_turns'
    >>> veto_kind("so when should I take it?", [{"role": "user", "content": "What does molly do?"}])
    ''
    >>> veto_kind("What grout dose should I use?", [])
    'veto'
    >>> veto_kind("I take sertraline. How many weeks between two blood donations?", []), veto_kind(
    ...     "I'm on sertraline, how many pills can I take?", [])
    ('veto_aside', 'veto_other')
    """
    def names_drug(text: str) -> bool:
        return bool(rules.drug.search(canonical(text[:MAX_CHARS], lexicon=rules.lexicon)))

    if names_drug(question):
        return "veto_drug"
    if any(names_drug(t["content"]) for t in turns):
        return "" if _substance(question, [], rules) or _refers_back(question, rules) else "veto_turns"
    if not _substance(question, turns, rules):
        return "veto"
    aside = rules.substance.sub("it", canonical(question[:MAX_CHARS], lexicon=rules.lexicon))  # "a dose of it"
    aside = re.sub(r"\b[\w-]+'s\s+it\b", "it", aside)  # "how much children's paracetamol": how much of it
    return "veto_other" if _in_scope(aside, turns, rules) else "veto_aside"


def _everyday(question: str, rules: Rules) -> bool:
    """Does the question name an everyday intake or activity (water, food, sleep, a run)? Its
    amount or timing is no dose, whatever the rules and the reader read in it.

    >>> _everyday("How should I taper before my first marathon?", DEFAULT_RULES)
    True
    """
    return any(rules.c["everyday_intake"].search(r) for r in readings(question, lexicon=rules.lexicon))


def _counts_thing(question: str, rules: Rules) -> bool:
    """Does the question ask how much or how many of a thing it names (`Rules.counts_a_thing`:
    "how many questions should I prepare?", not "how many should I take?"), in every reading?

    >>> _counts_thing("how many t-shirts should I bring, 3 or 4?", DEFAULT_RULES)
    True
    >>> _counts_thing("how many glasses of wine can I have with it?", DEFAULT_RULES)
    False
    """
    asks = [(r, m.start()) for r in readings(question, lexicon=rules.lexicon) for m in rules.c["how_much"].finditer(r)]
    return bool(asks) and all(rules.counts_a_thing(r, at) for r, at in asks)  # read every way, a thing


TAKE = frozenset({"take", "takes", "taking", "took"})  # said of gels and meals as of pills


def _names_intake(question: str, rules: Rules) -> bool:
    """Does the question name a drug, a medicine, pills, a dose or an amount, or a use verb
    other than take ("while I'm rolling")? An amount of the everyday intake itself ("grams of
    carbs per hour") is not one.

    >>> _names_intake("when should I take my energy gels, every 45 min?", DEFAULT_RULES)
    False
    >>> _names_intake("how much water with 120 mg?", DEFAULT_RULES)
    True
    >>> _names_intake("how many ml of water an hour while I'm rolling?", DEFAULT_RULES)
    True
    >>> _names_intake("how many grams of carbs an hour, and when do I take my first gel?", DEFAULT_RULES)
    False
    """
    c, of_everyday = rules.c, _of_everyday(rules)
    return any(c["drug"].search(r) or rules.substance.search(r) or c["unit"].search(r) or c["amount"].search(r)
               or any(m.group(0) not in TAKE for m in c["use"].finditer(r))
               for r in (of_everyday.sub(" ", r) for r in readings(question, lexicon=rules.lexicon)))


@lru_cache(maxsize=4)
def _of_everyday(rules: Rules) -> re.Pattern:
    """An amount of an everyday intake, and what it is per: "grams of carbs", "500 ml of water",
    "1.6 g of protein per kg" (not "a cap at dinner")."""
    c = rules.c
    return re.compile(rf"(?:{c['unit'].pattern}|{c['amount'].pattern})\s+(?:of\s+(?:[\w-]+\s+)?)?"
                      rf"(?:{c['everyday_intake'].pattern})(?:\s+(?:per|a|an|each)\s+(?:kg|kilo|pound|lb|day|hour|serving))?")


def _takes(question: str, rules: Rules) -> bool:
    """Does the question speak of taking something or of an amount (a use verb, "how much", a
    dose word, a number)? Waiting before going near a dud firework is neither.

    >>> _takes("a small amount is ok, right?", DEFAULT_RULES)
    True
    >>> _takes("How long should you wait before going near a firework that didn't go off?", DEFAULT_RULES)
    False
    """
    c = rules.c
    return any(NUMBER.search(r) or any(c[k].search(r) for k in ("use", "use_weak", "amount", "how_much", "unit"))
               for r in readings(question, lexicon=rules.lexicon))


def _unnamed(question: str, rules: Rules) -> bool:
    """Does the question ask to take something it does not name (`unnamed_intake` in
    `lexicon.toml`)? On its own this never puts a question in scope; with the reader's flag it does.

    >>> _unnamed("Is it fine for me to take it again this Saturday?", DEFAULT_RULES)
    True
    >>> _unnamed("Should I take it easy this week?", DEFAULT_RULES), _unnamed("How much RAM?", DEFAULT_RULES)
    (False, False)
    """
    return any(rules.c["unnamed_intake"].search(r) for r in readings(question, lexicon=rules.lexicon))


BACK = frozenset({"it", "them", "those", "these"})  # what is taken, named in an earlier turn


def _refers_back(question: str, rules: Rules) -> bool:
    """Is what the question would have taken a pronoun (`unnamed_intake` ending in it, them,
    those or these)? After turns that named the drug, it is the drug or what was said with it,
    not a new topic. "One", "some", "this" and "that" are left out: "should I take this job?".

    >>> _refers_back("so how long before the festival should I take them?", DEFAULT_RULES)
    True
    >>> _refers_back("how many shots should I take?", DEFAULT_RULES), _refers_back("take it easy?", DEFAULT_RULES)
    (False, False)
    """
    return any(m.group(0).split()[-1] in BACK for r in readings(question, lexicon=rules.lexicon)
               for m in rules.c["unnamed_intake"].finditer(r))


def _personal(question: str, rules: Rules) -> bool:
    """Does the question speak of a person's own use or situation (I, my friend, my meds)?"""
    text = canonical(question, lexicon=rules.lexicon)
    c = rules.c
    return bool(c["self"].search(text) or c["other"].search(text) or c["body"].search(text)
                or c["my_dose"].search(text))


def _substance(question: str, turns: list[dict], rules: Rules) -> str:
    """The substance the question names, else the latest turn that names one ("mdma" for its slang)."""
    aliases = LEXICON.drug_aliases() if rules.lexicon is LEXICON else rules.lexicon.drug_aliases()
    names = rules.substance
    for text in [question, *(t["content"] for t in reversed(turns))]:
        if m := names.search(canonical(text[:MAX_CHARS], lexicon=rules.lexicon)):
            return aliases.get(m.group(0), m.group(0))
    return ""


def _with(verdict: Verdict, **changes) -> Verdict:
    return Verdict(**{**verdict.__dict__, **changes})


def _obfuscated(text: str, plain: str, rules: Rules = DEFAULT_RULES) -> bool:
    """Does `text` (`plain` in canonical form) look spaced out or run together?

    Spaced out: many of its words are single letters, or pieces of one or two letters that
    are not short words of the languages the rules read (`short_words` in `lexicon.toml`).

    >>> _obfuscated("h o w m u c h", "h o w m u c h"), _obfuscated("how much", "how much")
    (True, False)
    >>> _obfuscated("I'm 70 kg, how much water should I drink?", "i'm 70 kg, how much water should i drink?")
    False
    >>> q = "How much should I tip at a restaurant in the US?"
    >>> _obfuscated(q, q.lower())
    False
    """
    tokens = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", plain)  # "i'm" is one word
    if not tokens:
        return False
    known = rules.short_words
    letters = sum(len(t) == 1 for t in tokens) / len(tokens)
    pieces = sum(len(t) <= 2 and t not in known for t in tokens) / len(tokens)
    return letters > 0.5 or pieces > 0.3 or max(map(len, tokens)) >= 16 or "_" in text


def _escalation(question: str, recent: list[dict], rules: Rules) -> Verdict:
    """Refuse a follow-up that makes a recent dose question (or a refused one) personal."""
    c, p = rules.c, rules.p
    context = None
    for back, turn in enumerate(reversed(recent), start=1):
        content = turn["content"][:MAX_CHARS]
        text = canonical(content, lexicon=rules.lexicon)
        # an amount or timing question, or a refused question (the costlier test, so second)
        if c["amount"].search(text) or c["how_much"].search(text) or c["unit"].search(text) \
                or c["timing"].search(text) or p["dose_question"].search(text) \
                or (turn["role"] == "user" and judge(content, rules).refuse):
            context = -back
            break
    if context is None:
        return ALLOW
    now = canonical(question[:MAX_CHARS], lexicon=rules.lexicon)
    found = rules.find(now)
    if rules.framed(now, found) or (p["informational_followup"].search(now) and not (
            found["for_person"] or found["my_dose"] or found["intent"])):
        return ALLOW
    if cue := p["followup_cue"].search(now):
        return Verdict(True, "escalation", cue.group(0), context, reply=Reply.DOSING)
    return ALLOW
