"""The named rules: which rule, if any, a reading of a message matches, and the words it matched.

Each reading is searched for the concepts of `lexicon.toml` (a person, a use verb,
an amount, a timing, a judgement, an occasion, a research frame...) and these rules,
in order; the first that matches decides:

- `override`: an instruction to switch the policy off, with any dose;
- `personal_use`: someone (I, we, my friend, he) taking, dropping, redosing something;
- `personal_dose`: a dose tied to a person ("for me", "my limit", "what would you take");
- `situation`: a person's weight, age, medicine or condition, with a dose or safety question;
- `occasion`: a dose for an occasion ("tonight", "at the festival", "first time");
- `amount_choice`: amounts weighed against each other or judged ("120 or 150?", "is 200 risky?");
- `dose_question`: an amount or timing question about taking something;
- `framing`: a hypothetical, fictional or role-play frame around a dose;
- `spaced`: a request hidden by spacing ("howmuchshouldItake");
- `escalation`: a follow-up that makes an earlier dose question personal (`check.py`).

Only `amount_choice`, `dose_question`, `framing`, `situation` and `occasion` let a
research or document frame through, and only when no person or occasion is named.

This module does not normalize text (`readings.py`) or read conversations (`check.py`).

    >>> next(DEFAULT_RULES.matches("how much molly should i take"))
    ('personal_use', 'should i take')
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.policy.lexicon import LEXICON, Lexicon

NAMES = ("override", "personal_use", "personal_dose", "situation", "occasion", "amount_choice",
         "dose_question", "framing", "spaced", "escalation", "crisis", "reader", "language")
WHY = re.compile(r"(?:why|how\s+come)\b")
WHY_WORD = re.compile(r"\bwhy\b")
CONSUMER = re.compile(r"\b(?:me|my|mine|myself|we|us|our|he|him|his|she|her)\b")
RISK = re.compile(r"\s+(?:risks?|chances?|odds|likelihood|rates?|mood|levels?)\b")  # after a size word: no dose's size
PAST = re.compile(r"\b(?:used|had|tried|did|took|rolled|dropped|done|taken)\b")
HABIT = re.compile(r"\bused\s+to\s+$")  # "used to take": a past use told by its present form
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")  # letters, not digits or underscores
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")  # where one sentence of a message ends and the next begins
LIKE_ME = re.compile(r"(?:for\s+)?(?:people|someone|somebody|a\s+person|those)\s+like\s+me")
DOSEY = ("amount", "how_much", "timing", "unit", "choice")

Found = dict[str, "re.Match | None"]


class Rules:
    """The rules compiled from one lexicon."""

    def __init__(self, lexicon: Lexicon = LEXICON):
        self.lexicon = lexicon
        self.c = {name: lexicon.rx("{" + name + "}") for name in lexicon.concepts}
        self.p = {name: lexicon.rx(lexicon.pattern(name)) for name in lexicon.data["patterns"]}
        self.loose_judge = frozenset(lexicon.data["judge"]["loose"])
        self.short_words = frozenset(lexicon.data["reading"]["short_words"].split())
        drug = "(?!e\\b|es\\b)(?:{drug_names})|{drug_foreign}"  # the corpus's drug ("e" alone is no name)
        self.drug = lexicon.rx(drug)
        self.substance = lexicon.rx(drug + "|{meds}|{other_drugs}")
        self.kinds = frozenset(lexicon.data["drug"]["kinds"])  # a kind of drug, not one
        acts, amount = (lexicon.fill(lexicon.pattern(k)) for k in ("person_acts", "an_amount"))
        self.either_order = [_Order(lexicon.rx(rf"(?:{acts})\b.*(?:{amount})"), rf"(?:{acts})\b", amount),
                             _Order(lexicon.rx(rf"(?:{amount}).*(?:{acts})"), amount, acts)]
        squashed = lexicon.data["squashed"]
        self.squashed_dose = re.compile("|".join(squashed["dose"]))
        self.squashed_person = re.compile("|".join(squashed["person"]))
        # the drug's own dose run together ("mdmadose"), from its names of two letters or more ("e" is no name)
        names = sorted((n for n in [lexicon.data["drug"]["name"], *lexicon.data["drug"]["names"]]
                        if n.isalpha() and len(n) > 1), key=len, reverse=True)
        self.squashed_drug_dose = re.compile(rf"(?:{'|'.join(names)})s?(?:dose|amount|mg)")

    def find(self, text: str) -> Found:
        """The first match of each concept in `text`."""
        return _Found(self.c, text)

    def matches(self, text: str) -> Iterator[tuple[str, str]]:
        """(rule, matched words) for each rule that matches `text`, in rule order."""
        c, p = self.c, self.p
        found = self.find(text)
        # "I take sertraline" is a situation, not the use of a drug the rules look for
        found["use"] = c["use"].search(p["medicine_taken"].sub(" ", text))
        found["dosey"] = next((found[k] for k in DOSEY if found[k]), None)
        framed = self.framed(text, found)
        if found["override"] and (found["dosey"] or found["my_dose"] or found["use"]):
            yield "override", (found["dosey"] or found["my_dose"] or found["use"]).group(0)
        yield from self._personal(text, found, framed)
        if found["dosey"] and found["street"] and (m := p["template"].search(text)):
            yield "dose_question", m.group(0)  # a YAML, a table, a flyer to fill with a dose
        if (m := p["schedule"].search(text)) and not found["frame"]:
            yield "dose_question", m.group(0)
        why = WHY.match(text) and not (found["for_person"] or found["my_dose"] or found["self"])
        # "how much caffeine is in an espresso": what something holds, asked by nobody in particular
        holds = (found["content_ask"] and not CONSUMER.search(self.c["asking_me"].sub(" ", text))
                 or found["conversion"])
        if not (framed or why or holds):
            yield from self._impersonal(text, found)

    def framed(self, text: str, found: Found) -> bool:
        """Is a dose question about research or the documents rather than about a person?"""
        consumer = (found["intent"] or found["occasion"] or found["my_dose"]
                    or CONSUMER.search(self.c["asking_me"].sub(" ", text)) or self.c["other"].search(text))
        if consumer:
            return False
        seeking = self.p["dose_question"].search(text) and found["seek"]
        return bool(found["frame"] or ((found["cited"] or found["population"]) and not seeking))

    def squashed(self, text: str, context: str = "") -> str:
        """A dose and a person in a run of letters ("howmuchshouldItake"), or "". The person may
        be in `context` instead (the plain ask around an acrostic); the dose must be in `text`."""
        letters = re.sub(r"[^a-z]", "", text)
        dose = self.squashed_dose.search(letters)
        person = self.squashed_person.search(letters) or self.squashed_person.search(re.sub(r"[^a-z]", "", context))
        return f"{dose.group(0)} … {person.group(0)}" if dose and person else ""

    def _personal(self, text: str, found: Found, framed: bool):
        """The rules about a person: personal use, a dose for someone, a situation, an occasion."""
        c, p = self.c, self.p
        dosey = found["dosey"]
        info = _Lazy(lambda: c["info_ask"].search(text) or found["cited"])  # asks what is known
        # a use or situation told, not asked about (no amount, plan, go/no-go ask...): answered, with a note
        told = _Lazy(lambda: not (dosey or found["intent"] or found["prescribe"] or found["my_dose"]
                                  or found["judge"] or found["choice"]
                                  or self._for_person(text, found) or p["go_ask"].search(text)
                                  or p["go_ask_strict"].search(text)))
        # ... or only what is known, or how to check a substance, is asked: no amount, timing, choice, go/no-go
        no_dose_ask = _Lazy(lambda: self._no_dose_ask(text, found))
        harmless = _Lazy(lambda: told() or self._known_only(text, found))
        # a wish told ("I want to roll every weekend now"), not a plan for an occasion or a mix, with
        # only what is known asked: answered, with a note
        wants_info = _Lazy(lambda: found["intent"].group(0).startswith("i want") and info() and not (
            found["judge"] or found["occasion"]
            or any(not self.drug.fullmatch(m.group(0)) for m in self.substance.finditer(text)))
            and self._no_dose_ask(text, found, intent=False))
        if (m := p["personal_use"].search(p["medicine_taken"].sub(" ", text))) and not (
                harmless() or (_past(text, m) and info() and no_dose_ask())
                or (found["intent"] and wants_info())):
            yield "personal_use", m.group(0)
        if (m := p["past_use"].search(text)) and p["unwell"].search(text) and not (info() or harmless()):
            yield "personal_use", m.group(0)
        personal = self._for_person(text, found) or found["my_dose"]
        looking_back = p["past_context"].search(text) and not (p["forward"].search(text) or dosey)
        # "my generic pills" names the pills: they are no amount asked for
        asked_for = self._asked_amount(found) if personal is found["my_dose"] else dosey
        if personal and not looking_back and (asked_for or found["judge"] or found["use"]
                                              or found["intent"] or found["size"]) and not (
                (found["checking"] and no_dose_ask()) or self._told_past(text, found, asked_for, info)):
            yield "personal_dose", personal.group(0)
        if m := self._personal_dose(text):
            yield "personal_dose", m.group(0)
        # an amount, a timing or a plan asked by someone who will take it ("how much should each
        # of us take", "how long after the md should I do the k", "design me a microdosing
        # schedule"), not about research or the documents
        asker = CONSUMER.search(c["asking_me"].sub(" ", text)) or found["self"] or found["intent"]
        asked = self._asked_amount(found) or found["later_ask"] or found["plan_ask"]
        if asked and asker and (found["use"] or found["drug"]) and not (
                framed or info() or WHY.match(text) or looking_back or (found["checking"] and no_dose_ask())):
            yield "personal_dose", asked.group(0)
        # a dose keyed to a body weight is a dose for that body, whatever the frame ("for research: the
        # best dose for a 75 kg adult", "each person's dosing plan: me 80kg"), unless it reports a
        # study's or the documents' population
        if (weight := found["body_weight"]) and dosey and (found["drug"] or found["use"] or found["plan_ask"]) and not (
                found["study_population"] or found["cited"] or WHY.match(text) or looking_back):
            yield "personal_dose", weight.group(0)
        if found["tailored"] and (dosey or found["drug"] or found["use"]):  # made for the asker, whatever it cites
            yield "personal_dose", found["tailored"].group(0)
        if found["prescribe"] and (dosey or found["drug"] or found["use"]):
            yield "personal_dose", found["prescribe"].group(0)
        asks_why = WHY_WORD.search(text) and not (dosey or found["judge"] or found["prescribe"])
        if found["body"] and (dosey or found["use"] or found["judge"] or found["prescribe"]
                              or found["use_foreign"] or p["situation_ask"].search(text)) and not (
                (framed and not found["use"]) or asks_why
                or harmless()):
            yield "situation", found["body"].group(0)
        person_use = found["use"] and not p["past_use"].search(text) and (found["self"] or found["other"])
        judged = any(m.group(0) not in self.loose_judge for m in c["judge"].finditer(text))
        if found["occasion"] and (dosey or judged or found["intent"] or person_use) and not (
                framed or WHY.match(text) or harmless()):
            yield "occasion", found["occasion"].group(0)

    def told_then_known(self, text: str) -> bool:
        """Is `text` (a canonical reading) a situation told in statements, then only what is known
        asked? The asking sentences (those ending in "?") come last, and each, read alone, matches
        no rule and asks what is known or what the documents say (`_known_only`). The told
        sentences may name a use, a medicine or an occasion, and judge or wish what is past
        ("it was fine", "I want to understand it"), but none holds an amount, a timing, a choice,
        a plan, a prescription or a dose for a person (`_no_dose_ask`), nor judges, wishes or sets
        an occasion for a use to come ("it should be fine", "I want to roll", "this weekend"). A
        plan told in numbers and then "what do the articles say about that?" is no such message;
        a question with no statement before it is left to the rules.

        >>> DEFAULT_RULES.told_then_known("my son is on an ssri and has used mdma. how do the articles "
        ...                               "define serotonin syndrome?")
        True
        >>> DEFAULT_RULES.told_then_known("i took 2 pills at 10. what do the articles say about that?")
        False
        """
        sentences = [s for s in SENTENCE_END.split(text.strip()) if s]
        asks = [s for s in sentences if s.endswith("?")]
        if not (asks and len(asks) < len(sentences) and sentences[-1].endswith("?")):
            return False
        if any(next(self.matches(s), None) or not self._known_only(s, self.find(s)) for s in asks):
            return False
        for sentence in (s for s in sentences if not s.endswith("?")):
            found = self.find(sentence)
            found["use"] = self.c["use"].search(self.p["medicine_taken"].sub(" ", sentence))
            # a use to come, or the drug with no use told: a judgement, a wish or an occasion there is a plan
            ahead = (found["use"] and not _past(sentence, found["use"])) or (found["drug"] and not found["use"])
            planned = (found["judge"] or found["intent"] or found["occasion"]) and ahead
            if found["amount"] or found["tailored"] or found["body_weight"] or planned or not self._no_dose_ask(
                    sentence, found, intent=False):
                return False
        return True

    def _told_past(self, text: str, found: Found, asked_for, info) -> bool:
        """A past use told, with only what is known asked ("I took it at uni. Do the articles say
        people like me are more vulnerable?"): no dose for that person is asked. A size word
        before a risk, a chance or a mood ("a higher risk") is no dose's size."""
        sized = any(not RISK.match(text, m.end()) for m in self.c["size"].finditer(text))
        return bool(found["use"] and _past(text, found["use"]) and info() and not (
            asked_for or found["judge"] or found["intent"] or sized or found["timing"] or found["choice"]))

    def _asked_amount(self, found: Found) -> re.Match | None:
        """The amount, amount question or timing `found`, unless it is only a word for the
        thing itself ("my pill organiser", "80 tabs open", "half of reddit"): a `loose_amount`
        counts as an amount next to a use verb, a number or an amount question, not alone."""
        dosey = found["dosey"]
        if dosey and dosey is found["amount"] and not found["use"] and self.c["loose_amount"].fullmatch(dosey.group(0)):
            return next((found[k] for k in DOSEY if k != "amount" and found[k]), None)
        return dosey

    def _personal_dose(self, text: str) -> re.Match | None:
        """The `personal_dose` patterns' leftmost match, the earlier pattern first at a tie, unless
        it asks how much or how many of a thing it names (`counts_a_thing`)."""
        found = [self.p["personal_dose"].search(text), *(o.search(text) for o in self.either_order),
                 self.p["personal_dose_late"].search(text)]
        return min((m for m in found if m and not self.counts_a_thing(text, m.start())),
                   key=lambda m: m.start(), default=None)

    def counts_a_thing(self, text: str, at: int) -> bool:
        """Does the amount question at `at` count a thing it names ("how many t-shirts should I
        bring", "how much fabric do I need"), not the drug, a dose, a pill, a drink, a substance,
        a time or something left unnamed (`not_counted` in `lexicon.toml`), asked in English? A slang word the
        lexicon does not know counts as a thing: the reader is left to read it. A thing counted in a
        question that has it with the drug (`with_drug`: "how many energy drinks are ok with mdma") is no thing.

        >>> DEFAULT_RULES.counts_a_thing("how many t-shirts should i bring", 0)
        True
        >>> DEFAULT_RULES.counts_a_thing("how many pills should i bring", 0), DEFAULT_RULES.counts_a_thing(
        ...     "how many hours apart should i take them", 0), DEFAULT_RULES.counts_a_thing("how many blue ones", 0)
        (False, False, False)
        >>> DEFAULT_RULES.counts_a_thing("how many energy drinks are ok with mdma", 0)
        False

        A measure (`measure`: ml, cups, drops) counts the thing it is of, if it names one:

        >>> DEFAULT_RULES.counts_a_thing("how many ml of tomato feed per litre", 0), DEFAULT_RULES.counts_a_thing(
        ...     "how many mg of molly", 0), DEFAULT_RULES.counts_a_thing("how many drops should i take", 0)
        (True, False, False)
        >>> DEFAULT_RULES.counts_a_thing("how many ml of cough syrup should i drink to get high", 0)
        False
        """
        if self.c["with_drug"].search(text):
            return False
        ask = self.c["how_much"].match(text, at)  # English only: "¿cuánto puedo...?" asks how much to take
        word = ask and ask.group(0).startswith("how") and re.match(r"\s+([\w'-]+)", text[ask.end():])
        if not word:
            return False
        w = word.group(1)
        if self.c["measure"].fullmatch(w):  # "how many ml of tomato feed": the thing measured, unless
            if self.c["scope"].search(text):  # the question has a use ("of cough syrup ... to get high")
                return False
            word = re.match(r"\s+of\s+(?:(?:the|a|an|my|our|your|this|that|some)\s+)?([\w'-]+)",
                            text[ask.end() + word.end():])
            if not word:
                return False
            w = word.group(1)
        if not WORD.fullmatch(w) or re.match(r"\s+[\w'-]+\s+ones?\b", text[ask.end():]):
            return False  # "how many 180s", "how many blue ones": the pills, described; "m_d_m_a": hidden
        return not any(self.c[k].fullmatch(w) for k in ("not_counted", "scope", "amount", "drug", "street", "unit")) \
            and not self.substance.fullmatch(w)

    def _impersonal(self, text: str, found: Found):
        """The rules about doses in general, when no research or document frame covers them."""
        for rule in ("amount_choice", "dose_question"):
            if m := self.p[rule].search(text):
                yield rule, m.group(0)
        if found["fiction"] and found["dosey"] and (
                found["use"] or found["seek"] or found["for_person"] or found["my_dose"]
                or self.p["fiction_person"].search(self.c["asking_me"].sub(" ", text))):
            yield "framing", found["fiction"].group(0)

    def _known_only(self, text: str, found: Found) -> bool:
        """What is known, or how to check a substance, is asked, and no dose (`_no_dose_ask`)."""
        return bool((self.c["info_ask"].search(text) or found["cited"] or found["checking"])
                    and self._no_dose_ask(text, found))

    def _no_dose_ask(self, text: str, found: Found, *, intent: bool = True) -> bool:
        """No amount, timing, choice, intent (unless `intent` is False), prescription, override,
        plan, person or go/no-go ask."""
        return not (found["unit"] or found["how_much"] or found["choice"] or found["timing"]
                    or (intent and found["intent"]) or found["prescribe"] or found["override"] or found["plan_ask"]
                    or self._for_person(text, found) or self.p["go_ask_strict"].search(text))

    def _for_person(self, text: str, found: Found):
        """"for me", "my friend"... unless it is inside a request for information."""
        match = found["for_person"]
        if match and any(m.start() < match.end() and match.start() < m.end()
                         for m in self.c["asking_me"].finditer(text)):
            return None  # "summarize it for me" asks for information, not for a dose
        if match and LIKE_ME.fullmatch(match.group(0)) and self.c["info_ask"].search(text):
            # "what risk does the article mention for people like me": a group the documents describe,
            # unless its sentence asks a use, an amount, a timing or a judgement ("is it safe for")
            sentence = next(s for s in SENTENCE_END.split(text) if match.group(0) in s)
            found = self.find(sentence)
            if not any(found[k] for k in (*DOSEY, "judge", "use", "intent", "plan_ask")):
                return None
        return match



class _Lazy:
    """A value computed when first asked for, then kept: `_Lazy(f)()`.

    >>> _Lazy(lambda: 2)()
    2
    """

    def __init__(self, compute):
        self.compute, self.done, self.value = compute, False, None

    def __call__(self):
        if not self.done:
            self.value, self.done = self.compute(), True
        return self.value


def _past(text: str, use: re.Match) -> bool:
    """Is the use `use` matched in `text` told as past ("took", "used to take")?

    >>> _past("i used to take it at parties", re.search("take", "i used to take it at parties"))
    True
    """
    return bool(PAST.search(use.group(0)) or HABIT.search(text, max(0, use.start() - 12), use.start()))


class _Found(dict):
    """The first match of each concept in a text, searched for when first asked for."""

    def __init__(self, concepts: dict[str, re.Pattern], text: str):
        super().__init__()
        self.concepts, self.text = concepts, text

    def __missing__(self, name: str) -> re.Match | None:
        found = self[name] = self.concepts[name].search(self.text)
        return found


class _Order:
    """`first` followed anywhere by `then`: the match of `first.*then` found in linear time.

    The pattern `whole` (`first.*then`, whole words) rescans the text to its end from every
    place `first` starts, so a text full of them takes time growing with its square. Here the
    last place `then` matches is found once; `whole` then matches at the first place `first`
    starts before it (or a few places later, if `first` runs past it), and only there.

    >>> o = _Order(LEXICON.rx(r"a\\b.*b"), r"a\\b", "b")
    >>> o.search("x a y b a").span(), o.search("b a") is None
    ((2, 7), True)
    """

    def __init__(self, whole: re.Pattern, first: str, then: str):
        self.whole = whole
        self.starts = re.compile(rf"(?<![\w'])(?=(?:{first}))")
        self.last = re.compile(rf".*(?=(?:{then})(?![\w']))")  # subtle: canonical text has no newline

    def search(self, text: str) -> re.Match | None:
        if not self.starts.search(text):
            return None
        last = self.last.match(text)
        if last is None:
            return None
        for start in self.starts.finditer(text):
            if start.start() > last.end():
                return None
            if m := self.whole.match(text, start.start()):
                return m
        return None


DEFAULT_RULES = Rules()
