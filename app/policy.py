"""The safety policy: personal dosing and personal-use questions are refused before retrieval.

`check(question, history)` reads the question as a person or a red-teamer may
write it and returns a `Verdict`. The text is first put in canonical form
(`canonical`): Unicode normalized, invisible characters dropped, look-alike
Cyrillic and Greek letters mapped to Latin, accents stripped, lower-cased,
punctuation inside words and spaced-out letters joined. A second reading also
decodes leetspeak ("h0w mu<h", "sh0uld 1"). Named rules, each a regular
expression over word classes (`LEXICON`), then look for:

- `override`: an instruction to switch the policy off, together with a dose;
- `personal_use`: someone (I, we, my friend, he) taking, dropping, redosing a substance;
- `personal_dose`: a dose tied to a person ("for me", "my weight", "someone my size");
- `situation`: a person's weight, age, medicine or condition, with a dose or a safety question;
- `dose_question`: an amount or timing question about taking something ("how many pills in
  one night", "what's a safe dose"). Only this rule lets a research frame ("in clinical
  trials", "therapy protocols") through, so "What doses are used in trials?" is answered;
- `framing`: a hypothetical, fictional or role-play frame around a dose;
- `<lang>_dose`, `<lang>_use`: the same in Spanish, French, German, Portuguese, Italian;
- `escalation`: a follow-up that turns an earlier dose or refused question personal
  ("ok, so how much for me?", "so two is fine then?").

The first rule that matches decides; `Verdict.rule` names it and `Verdict.trigger`
quotes the words it matched. The rules were written and tuned on
`eval/policy_tuning.jsonl` only; `eval/policy_test.jsonl` is held out.

This module does not read documents or use a model, and decides nothing but refusals.

    >>> check("How much molly should I take?").rule
    'personal_use'
    >>> check("What doses are used in clinical trials?").refuse
    False
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

REFUSAL = (
    "I can't give personal dosing advice or help decide whether, how much or when "
    "anyone should take a substance, and that holds for questions about friends, "
    "hypothetical people and role-play too. A doctor or pharmacist can advise on a "
    "person's own situation, including the medicines they take. If you or someone "
    "with you feels unwell after taking a substance, contact your local emergency "
    "services or a poison control centre straight away.\n\n"
    "What I can do is tell you what the documents say about risks and interactions, "
    "for example serotonin syndrome, or how MDMA interacts with SSRIs and MAOIs.")

# Look-alike letters of other scripts, mapped to the Latin letter they imitate.
HOMOGLYPHS = str.maketrans(
    "аbсԁеɡһіјкӏмոорԛѕтսᴠԝхуᴢ"  # Cyrillic and Armenian lower case
    "АВСЕНІЈКМОРЅТХУ"  # Cyrillic upper case
    "αβεηικνορτυχγ"  # Greek lower case
    "ΑΒΕΗΙΚΜΝΟΡΤΥΧΖ"  # Greek upper case
    "ıℓ",
    "abcdeghijklmnopqstuvwxyz"
    "ABCEHIJKMOPSTXY"
    "abenikvoptuxy"
    "ABEHIKMNOPTYXZ"
    "il")
LATIN_NAME = re.compile(r"(?:LATIN|MODIFIER) (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL |"
                        r"SMALL |CAPITAL )?([A-Z])(?: WITH .*)?")
BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
LEET = str.maketrans("0134578@$!|", "oieastbasil")
LEETY = re.compile(r"[a-z]*[0-9@$!|][a-z0-9@$!|]*")  # a token with leet characters in it
INNER_MARKS = re.compile(r"(?<=[a-z0-9])[.\-_*`~^|·•+/\\]+(?=[a-z])|(?<=[a-z])[.\-_*`~^·•+]+(?=[0-9])")
SPACED = re.compile(r"\b[a-z0-9@$]([ .\-_*·•+])[a-z0-9@$](?:\1[a-z0-9@$]\b)+")  # "h o w", "d.o.s.e"
FULLSTOPS = re.compile(r"(?<=[a-z])\.(?=\s|$)")

# Word classes the rules are made of, as regular-expression alternatives.
LEXICON = {
    "self": r"i|we|i'?m|i'?ve|i'?d|i'?ll|me|us|ive|ill",
    "other": (r"(?:my|our|a|his|her|their|the)\s+(?:\w+\s+)?(?:friends?|mates?|buddy|buddies|bf|gf|"
              r"girlfriend|boyfriend|partner|wife|husband|brother|sister|siblings?|son|daughter|"
              r"mom|mum|mother|dad|father|cousin|room-?mate|flat-?mate|house-?mate|patients?|"
              r"clients?|kids?|child|teen|teenager|colleague|co-?worker|uncle|aunt|niece|nephew|"
              r"neighbou?r|guests?|date|crew|group|pal)|he|she"),
    "modal": r"should|shud|shuld|shoud|sould|shld|shall|can|cn|could|may|might|must|would|do|"
             r"does|did|will|ought|need|am|is|are",
    "aux": r"should|shud|can|could|may|might|must|would|will|do|did|am|'m|m|are|was|have|"
           r"want|wanna|gonna|going|plan|planning|planned|intend|intending|need|try|trying|like|"
           r"about|able|allowed|ok|okay|safe|fine|safely|still|also|just|ever|not|never|even|"
           r"really|actually|then|to|be|been|it|get|got|thinking|considering|hoping|wanting|"
           r"decided|deciding|supposed|meant|usually|normally|always|sometimes|first|only|"
           r"tonight|tomorrow|today|later|again",
    "use": r"take|takes|taking|took|tak|tke|taek|redose|redosing|redosed|re-?dose|re-?dosing|"
           r"dose|dosing|dosed|microdose|microdosing|drop|drops|dropping|dropped|pop|pops|"
           r"popping|popped|roll|rolls|rolling|rolled|snort|snorting|swallow|swallowing|"
           r"consume|consuming|combine|combining|mix|mixing|stack|stacking|double[- ]?drop|"
           r"candy-?flip|candy-?flipping|bomb|bombing|parachute|parachuting|top up|topping up|"
           r"bump|bumping|rail|dab|dabbing|boot|booting|inject|injecting|smoke|smoking|"
           r"chase|chasing|give|giving|administer|administering|prescribe|re-?up|re-?upping",
    "use_weak": r"use|using|used|do|doing|did|have|having|try|trying|eat|eating|start|"
                r"starting|get|go|hit|hitting|handle|tolerate|up|halve|split|double|increase|"
                r"decrease|reduce|cut|skip|stop|adjust|raise|lower|wean|quit|pause|be\s+on",
    "drug": r"mdma|molly|mollies|ecstasy|ecstacy|extasy|xtc|mandy|e|es|pingers|beans|pills?|"
            r"pils|pillz|tabs?|caps?|capsules?|crystals?|rocks?|powder|5-?htp|htp|"
            r"l-?tryptophan|tryptophan|ssris?|sertraline|zoloft|fluoxetine|prozac|citalopram|"
            r"escitalopram|lexapro|paroxetine|paxil|maois?|antidepressants?|lithium|bupropion|"
            r"wellbutrin|tramadol|dxm|drugs?|substances?|stuff|it|this|that|them|some|one|"
            r"another|more|again|both",
    "amount": r"doses?|dosages?|dosing|dos|doze|dosege|doseage|dossage|dosis|amounts?|"
              r"quantit(?:y|ies)|mg|mgs|mgz|milligrams?|milligrammes?|grams?|g|mcg|ug|µg|"
              r"pills?|pils|pillz|tabs?|caps?|capsules?|points?|bumps?|lines?|hits?|halves|"
              r"half|quarters?|bombs?|redose|re-?dose|top-?ups?|mg/kg|per kg|number",
    "how_much": r"(?:how|hw|hwo|hou)\s+(?:much|many|mutch|mch|mny|mani|muc|mucch|big|large|"
                r"strong)|howmuch|"
                r"howmany|what\s+(?:dose|doses|dosage|amount|quantity|strength|size)|"
                r"which\s+(?:dose|doses|dosage|amount|strength)|what'?s?\s+the\s+(?:dose|dosage|"
                r"amount)",
    "timing": r"how\s+(?:often|frequently|soon|regularly|many\s+times)|when\s+(?:should|shud|can|"
              r"do|to|would|must|is\s+it\s+(?:ok|okay|safe|best))|how\s+long\s+(?:should|shud|"
              r"to|between|must|do\s+(?:i|we|you)|until|till|can)|"
              r"how\s+(?:many|much)\s+(?:hours|days|weeks|months|time)",
    "seek": r"safe|safest|safer|good|right|correct|ideal|best|optimal|proper|appropriate|"
            r"starting|starter|beginner|beginners|first[- ]?time|first[- ]?timers?|newbie|"
            r"reasonable|sensible|ok|okay|fine|enough|too\s+much|too\s+many|a\s+lot|overkill|"
            r"lethal|deadly|fatal|toxic|dangerous|perfect|decent|solid|strong|weak|light|"
            r"mild|moderate|nice|fun|realistic|minimum|min",
    "often": r"too\s+(?:often|soon|frequently|early|close)|how\s+often|twice|once\s+a|"
             r"every\s+(?:\w+\s+)?(?:weeks?|days?|months?|weekends?)|again|per\s+(?:week|month)|"
             r"in\s+a\s+row|back\s+to\s+back",
    "describe": r"normal|typical|average|standard|usual|common|regular|max|maximum|recommended|"
                r"high|higher|highest|low|lower|lowest|large|small|clinical|therapeutic",
    "frame": r"trials?|studies|study|studied|research|researchers?|clinical|clinic|therapy|"
             r"therapies|therapeutic|therapists?|protocols?|sessions?|participants?|patients?|"
             r"subjects|scientists?|experiments?|maps|fda|assisted|treatment|psychotherapy|"
             r"booster|volunteers|lab|animals?|rats|mice|monkeys|primates",
    "population": r"recreational|recreationally|users|people|partygoers|ravers|clubbers|"
                  r"street|streets|nowadays|these\s+days|(?:an?|the)\s+(?:average|typical|"
                  r"normal|single)\s+(?:ecstasy\s+|mdma\s+)?(?:pill|tablet|capsule)",
    "cited": r"articles?|documents?|texts?|papers?|sources?|literature|authors?|writers?|"
             r"corpus|passages?|they\s+say|it\s+says?|mentioned|mention|describe|described",
    "unit": r"\d+(?:[.,]\d+)?\s*(?:mg|mgs|milligrams?|milligrammes?|g|grams?|gr|mcg|ug|µg|"
            r"pills?|pils|tabs?|caps?|capsules?|points?|halves|bumps?|lines?|x)\b",
    "number": r"\d+(?:[.,]\d+)?|one|two|three|four|five|six|half|a\s+half|a\s+quarter|"
              r"a\s+couple|couple|several",
    "body": r"i\s+weigh|i'?m\s+\d+|i\s+am\s+\d+|\d+\s*(?:kg|kgs|kilos?|lbs?|pounds|stone|"
            r"years?\s+old|yo|y/o)\b|my\s+(?:weight|size|age|height|body|bmi|build|tolerance|"
            r"meds|medications?|medicines?|prescriptions?|antidepressants?|doctor|condition|"
            r"heart|blood\s+pressure|liver|kidneys?|health|history)|(?:our|his|her|their)\s+"
            r"(?:body\s+)?(?:weights?|sizes?|ages?|bodies|meds|medications?)|by\s+(?:body\s+)?"
            r"weight|"
            r"(?:i'?m|i\s+am|i'?ve\s+been)\s+(?:on|taking|prescribed)\b|i\s+(?:take|use)\s+(?:"
            r"sertraline|zoloft|fluoxetine|prozac|citalopram|escitalopram|lexapro|paroxetine|"
            r"paxil|ssris?|maois?|antidepressants?|lithium|bupropion|wellbutrin|tramadol|meds|"
            r"medications?|medicines?|pills\s+for)|(?:i'?m|i\s+am)\s+(?:a\s+)?(?:pregnant|"
            r"breastfeeding|diabetic|epileptic|asthmatic|petite|small|tiny|skinny|thin|big|"
            r"heavy|large|light|tall|short|woman|girl|man|guy|female|male|teen|teenager|minor|"
            r"first[- ]?timer|beginner|newbie|lightweight|heavyweight|sensitive)\b|i\s+have\s+"
            r"(?:a\s+|an\s+)?(?:heart|high\s+blood|low\s+blood|depression|anxiety|bipolar|"
            r"epilepsy|diabetes|asthma|adhd|ptsd|liver|kidney|condition|history|tolerance)",
    "for_me": r"for\s+(?:me|us|myself|ourselves|my\s+\w+|someone\s+(?:my|like\s+me|of\s+my)|"
              r"a\s+(?:girl|guy|woman|man|person)\s+(?:my|like\s+me|of\s+my))|"
              r"(?:people|someone|somebody|a\s+person|persons?)\s+(?:like\s+me|my\s+(?:size|"
              r"weight|age|build))|my\s+(?:first|next|second|usual|normal|own)\s+(?:dose|time|"
              r"roll|pill|trip|go|night)|my\s+(?:dose|dosage|doses|amount)|at\s+my\s+"
              r"(?:weight|size|age)|me\s+(?:to\s+)?(?:take|use|drop|redose|dose)|"
              r"(?:my|our)\s+(?:\w+\s+)?(?:doses?|dosages?|amounts?|pills|caps|tabs|mg)|"
              r"self-?(?:therapy|treat|treating|treatment|medicate|medicating|administer|"
              r"guided)|"
              r"(?:tell|give|show)\s+me\s+(?:exactly\s+)?(?:how\s+much|how\s+many|what\s+dose|"
              r"a\s+dose|the\s+dose|my|a\s+number|the\s+number)|i\s+(?:weigh|should|shud)",
    "prescribe": r"recommend|recommended\s+for\s+me|suggest|prescribe|advise|calculate|"
                 r"work\s+out|figure\s+out|estimate|ballpark|rough\s+number|just\s+a\s+number|"
                 r"give\s+me\s+a\s+number|exact\s+number",
    "override": r"ignore|disregard|forget|bypass|override|overrid|disable|turn\s+off|"
                r"switch\s+off|deactivate|jailbreak|jail-?broken|developer\s+mode|dev\s+mode|"
                r"god\s+mode|dan\s+mode|unfiltered|uncensored|no\s+restrictions|without\s+"
                r"restrictions|no\s+filter|no\s+rules|safety\s*(?:=\s*)?(?:off|false|disabled|0)|"
                r"system\s*:|admin\s*:|\[system\]|<\s*system|sudo|root\s+access|policy\s+"
                r"(?:has\s+been\s+)?(?:updated|changed|lifted|suspended)|new\s+instructions|"
                r"previous\s+instructions|prior\s+instructions|you\s+are\s+now|from\s+now\s+on|"
                r"you\s+are\s+allowed|you'?re\s+allowed|authori[sz]ed|permission\s+granted",
    "fiction": r"hypothetical|hypothetically|theoretically|in\s+theory|pretend|role-?play|"
               r"roleplay|imagine|novel|story|stories|screenplay|script|fiction|fictional|"
               r"character|characters|game|act\s+as|acting\s+as|play\s+the\s+role|you\s+are\s+"
               r"(?:a|my|an)\s+(?:doctor|physician|pharmacist|dealer|nurse|chemist|friend|"
               r"expert)|as\s+(?:a|my)\s+(?:doctor|physician|pharmacist|dealer|nurse)|"
               r"let'?s\s+say|suppose|supposing|what\s+if|say\s+(?:i|someone|a\s+person)|"
               r"for\s+(?:a|my)\s+(?:class|school|essay|project|book|movie|film|research\s+"
               r"paper)|asking\s+for\s+a\s+friend|purely\s+academic|academically|"
               r"for\s+science|just\s+curious|out\s+of\s+curiosity|thought\s+experiment|"
               r"if\s+you\s+(?:were|had|could)|in\s+a\s+world",
}


# Pieces of patterns, filled into LEXICON-style {placeholders} too.
PIECES = {
    "gap2": r"(?:\s+[\w'.-]+){0,2}?\s+",  # up to two words in between
    "gap4": r"(?:\s+[\w'.-]+){0,4}?\s+",
    "gap6": r"(?:\s+[\w'.-]+){0,6}?\s+",
    "subject": r"{self}|{other}",
    "auxes": r"(?:\s+{aux}){0,4}\s+",
}


def _rx(pattern: str) -> re.Pattern:
    """`pattern` with {class} placeholders filled from LEXICON and PIECES, whole words only."""
    def fill(m: re.Match) -> str:
        name = m.group(1)
        return f"(?:{LEXICON.get(name) or PIECES[name]})"
    while re.search(r"\{[a-z_]+\d?\}", pattern):
        pattern = re.sub(r"\{([a-z_]+\d?)\}", fill, pattern)
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])")


RULES: dict[str, re.Pattern] = {
    "personal_use": _rx(
        r"{modal}\s+{subject}{auxes}{use}"
        r"|{subject}{auxes}{use}"
        r"|{subject}{auxes}{use_weak}{gap2}{drug}"
        r"|{modal}\s+{subject}{auxes}{use_weak}{gap2}{drug}"
        r"|(?:for|let|want|help|make|get)\s+(?:me|us|him|her|my\s+\w+)\s+(?:to\s+)?{use}"),
    "personal_dose": _rx(
        r"{for_me}(?=.*(?:{amount}|{how_much}|{timing}|{seek}|{often}|{use}|{unit}))"
        r"|(?:{amount}|{how_much}|{timing}|{seek}|{often}|{unit}|{use}).*{for_me}"
        r"|{prescribe}{gap4}(?:{amount}|{how_much}|{timing}|{unit})"
        r"|(?:{how_much}|{timing}){gap6}(?:should|shud|shld|can|could|do|would|must|shall|may|"
        r"might|am|will)\s+(?:{subject})"
        r"|(?:{seek}|{describe}|the|a|an|what|which)\s+(?:{amount})\s+to\s+{use}"
        r"|{modal}\s+(?:i|we)\s+(?!ask|know|learn|read|find|understand|see|trust|cite|check|"
        r"look|expect|think|worry|be\s+worried|tell|explain)\w+.*(?:{amount}|{unit})"
        r"|(?:{amount}|{unit}).*{modal}\s+(?:i|we)\s+(?!ask|know|learn|read|find|understand|"
        r"see|trust|cite|check|look|expect|think|worry|tell|explain)\w+"
        r"|(?:{amount}|{how_much}|{unit}).*{prescribe}(?:\s+(?:me|us|for|i|a))"),
    "situation": _rx(
        r"{body}(?=.*(?:{amount}|{how_much}|{timing}|{seek}|{often}|{use}|{unit}|"
        r"risky|risk|harm|hurt|worry|problem|interact|can\s+i|should\s+i|is\s+it))"
        r"|(?:{amount}|{how_much}|{timing}|{seek}|{often}|{use}|{unit}).*{body}"),
}
FICTION = _rx(r"{fiction}")
FICTION_DOSE = _rx(r"{amount}|{how_much}|{timing}|{unit}|what\s+would\s+you\s+(?:give|hand|"
                   r"recommend|prescribe|sell|suggest|advise|take)")
FICTION_PERSONAL = _rx(r"take|takes|taking|took|drop|dropping|pop|popping|roll|rolling|redose|"
                       r"redosing|give|hand|sell|swallow|snort|{seek}|{for_me}|character|characters|protagonist|hero|heroine|"
                       r"he|she|him|her|someone|somebody|i|me|we|us|you")

# An amount or timing question about taking something. A research frame lets it through.
DOSE_QUESTION = _rx(
    r"{how_much}{gap6}(?:{use}|to\s+{use_weak}|{use_weak}{gap2}{drug}|{amount}|{seek}|"
    r"in\s+(?:one|a|an)\s+"
    r"(?:night|day|evening|weekend|session|party|sitting|go|row)|at\s+once|per\s+(?:night|day|"
    r"week|month|weekend|session|party))"
    r"|{how_much}\s+(?:{amount}|{drug})"
    r"|(?:{how_much}|{timing}){gap6}{modal}\s+(?:you|u|one|people|someone|somebody|a\s+person|"
    r"they|users)(?:\s+[\w']+){0,3}?\s+(?:{use}|{use_weak}|need|want)"
    r"|{timing}{gap6}(?:{use}|{use_weak}{gap2}{drug}|again|another|wait|next)"
    r"|{seek}{gap2}(?:{amount}|amount|number\s+of\s+\w+)"
    r"|(?:what|what's|whats|which|tell\s+me|give\s+me)\s+(?:is\s+|are\s+|would\s+be\s+|"
    r"counts\s+as\s+)?(?:the\s+|a\s+|an\s+)?(?:\w+\s+)?{describe}{gap2}(?:{amount})"
    r"|(?:{amount})\s+(?:is|are|would\s+be|will\s+be|counts?\s+as|to\s+be)\s+(?:{seek})"
    r"|{unit}{gap4}(?:{seek}|too|or\s+\d+|vs|versus|a\s+lot)"
    r"|(?:is|are|would|will)\s+(?:{number}|{unit}){gap2}(?:{seek}|too|a\s+lot|much|many)"
    r"|(?:tell|give|show|send|list)\s+(?:me|us)?\s*(?:the|a|some|your)?\s*(?:{amount}|"
    r"dosing\s+\w+|{how_much})"
    r"|(?:can|could|should|is\s+it\s+(?:ok|okay|safe|fine))\s+(?:i|you|one|we|someone|people)"
    r"\s+(?:\w+\s+)?(?:redose|re-?dose|double[- ]?drop|top\s+up|stack|bump|re-?up)"
    r"|{use}\s+(?:{number}|{unit}){gap2}(?:{amount}|at\s+once|in\s+one|more|again|or)"
    r"|(?:is\s+it|it'?s|would\s+it\s+be|will\s+it\s+be)\s+(?:ok|okay|safe|fine|bad|dangerous|"
    r"risky|alright|too\s+much)\s+to\s+{use}{gap4}(?:{number}|{unit}|{amount}|another|second|"
    r"more|again|twice|extra)"
    r"|dosing\s+(?:schedule|chart|guide|regimen|plan|calculator|table)|dose\s+calculator")
STRONG_FRAME = _rx(r"{frame}")
WEAK_FRAME = _rx(r"{cited}|{population}")
SEEKING = _rx(r"{seek}{gap2}(?:{amount}|amount)|(?:{amount})\s+(?:is|are|would\s+be)\s+{seek}"
              r"|{unit}.*{seek}|(?:is|are)\s+(?:{number}).*{seek}|{how_much}.*{seek}")
# A person the dose would be for: a research frame does not cover "how much should he take".
PERSON = _rx(r"me|my|mine|myself|we|us|our|he|him|his|she|her|{other}")
ASKING_ME = _rx(r"(?:tell|show|give|remind|teach)\s+me|let\s+me\s+know|explain\s+(?:to\s+me)?|"
                r"can\s+you|could\s+you|would\s+you|help\s+me\s+understand|"
                r"(?:my|our)\s+(?:novel|book|story|screenplay|script|essay|paper|thesis|class|"
                r"course|project|research|homework|assignment|professor|teacher|lecturer|"
                r"article|blog|podcast|students?|understanding|question|reading|notes)")
OVERRIDE = _rx(r"{override}")
DOSE_WORDS = _rx(r"{amount}|{how_much}|{timing}|{unit}|{use}")

# Cue words that turn a follow-up to a dose question personal.
ESCALATION = _rx(
    r"{self}|my|mine|myself|{other}|{prescribe}|{fiction}|{unit}|\d+|one|two|three|half|"
    r"(?:is|it'?s|that'?s|thats|would\s+be|are)\s+(?:that\s+|it\s+|this\s+)?(?:ok|okay|fine|"
    r"safe|enough|too\s+much|too\s+many|a\s+lot|dangerous|risky)|that\s+much|"
    r"what\s+about\s+(?:me|someone|a\s+person|people)|how\s+about|so\s+(?:then|what|how)|"
    r"just\s+(?:tell|give|say)|roughly|approximately|around|about|ballpark|range|number|"
    r"bad\s+idea|good\s+idea|worth\s+it")
INFORMATIONAL_FOLLOWUP = _rx(r"why|what\s+is\s+(?:a|the)\s+booster|explain|mean|means")

# Other languages: an amount or timing question (unless a research frame and no
# person), or a person asking whether to take something.
LANGUAGES = {
    "spanish": {
        "marker": r"el|los|las|que|para|con|una|por|del|es|se|debo|puedo|cuanto|cuanta|cuantas|cuantos|tomar|como|pastillas|dosis|yo|mi|mis|muy|pero|si|esta|estoy|tengo|quiero|hay|sin|deberia",
        "amount": r"cuant[oa]s?|que\s+dosis|cual(?:es)?\s+(?:es\s+la\s+)?dosis|dosis|cantidad|"
                  r"miligramos|pastillas?|pastis|pirulas?|rulas?|cada\s+cuanto|cuando\s+"
                  r"(?:debo|puedo|tomo|tomar)|redosificar|volver\s+a\s+tomar|otra\s+(?:dosis|"
                  r"pastilla|mitad)|media\s+pastilla|\d+\s*mg",
        "person": r"yo|mi|mis|para\s+mi|conmigo|debo|deberia|puedo|podria|tengo\s+que|necesito|"
                  r"quiero|voy\s+a|me\s+(?:tomo|meto|trago)|tomarme|meterme|peso|mido|"
                  r"tengo\s+\d+|estoy\s+(?:tomando|en)|tomo|mi\s+(?:amig[oa]|novi[oa]|"
                  r"pareja|herman[oa]|hij[oa]|primo|prima|madre|padre|paciente)|"
                  r"(?:el|ella)\s+(?:debe|deberia|puede|quiere)|imagina|supongamos|"
                  r"hipoteticamente|ignora|finge|recomiendas|recomiendame|dime",
        "use": r"tomar|tomo|tome|tomaria|consumir|consumo|usar|uso|meter|meterme|tomarme|"
               r"tragar|mezclar|combinar|redosificar",
        "frame": r"ensayos?|estudios?|investigacion|terapia|terapeutic[oa]s?|clinic[oa]s?|"
                 r"pacientes|participantes|protocolos?|sesion(?:es)?|articulos?|documentos?",
    },
    "french": {
        "marker": r"le|les|des|du|que|pour|est|une|je|j|avec|dans|combien|quelle|quelles|sur|pas|moi|mon|ma|mes|dois|puis|prendre|et|ou|qui|faut|suis|ai|il|elle|ce|cette|devrais",
        "amount": r"combien|quelle\s+dose|quelles\s+doses|dose|doses|dosage|posologie|quantite|"
                  r"milligrammes|cachets?|pilules?|comprimes?|ecsta|taz|quand\s+(?:dois|"
                  r"puis|reprendre|prendre)|tous\s+les\s+combien|a\s+quelle\s+frequence|"
                  r"reprendre|redoser|\d+\s*mg",
        "person": r"je|j'|moi|pour\s+moi|mon|ma|mes|dois-je|puis-je|devrais-je|"
                  r"est-ce\s+que\s+je|je\s+(?:dois|peux|devrais|veux|vais|pese|prends|suis)|"
                  r"mon\s+(?:ami|copain|pote|frere|fils|patient)|ma\s+(?:copine|amie|soeur|"
                  r"fille|patiente)|il\s+(?:doit|devrait|peut|veut)|elle\s+(?:doit|devrait|"
                  r"peut|veut)|imagine|supposons|hypothetiquement|ignore|fais\s+semblant|"
                  r"conseilles|recommandes|dis-moi|donne-moi",
        "use": r"prendre|prends|prenne|prendrais|consommer|consomme|utiliser|gober|avaler|"
               r"melanger|combiner|reprendre|redoser",
        "frame": r"essais?|etudes?|recherches?|therapie|therapeutiques?|cliniques?|patients|"
                 r"participants|protocoles?|seances?|sessions?|articles?|documents?",
    },
    "german": {
        "marker": r"der|die|das|und|ist|ich|ein|eine|einen|nicht|wie|viel|viele|soll|sollte|kann|fur|mit|zu|von|mich|mir|mein|meine|nehmen|welche|bei|auf|es|wenn|wird|werden",
        "amount": r"wie\s*viel(?:e)?|welche\s+dosis|dosis|dosen|dosierung|menge|milligramm|"
                  r"pillen?|teile|tabletten?|kapseln?|wie\s+oft|wann\s+(?:soll|kann|darf)|"
                  r"nachlegen|nachwerfen|nachdosieren|\d+\s*mg",
        "person": r"ich|mich|mir|mein|meine|meinen|meinem|meiner|fur\s+mich|soll\s+ich|"
                  r"kann\s+ich|darf\s+ich|muss\s+ich|sollte\s+ich|wiege|"
                  r"(?:mein|meine)\s+(?:freund|freundin|bruder|schwester|kumpel|partner|"
                  r"partnerin|sohn|tochter|patient|patientin)|er\s+(?:soll|sollte|kann|will)|"
                  r"sie\s+(?:soll|sollte|will)|stell\s+dir\s+vor|angenommen|hypothetisch|"
                  r"ignoriere|tu\s+so|empfiehlst|sag\s+mir|gib\s+mir",
        "use": r"nehmen|nehme|nimmt|einnehmen|einwerfen|werfen|schlucken|konsumieren|"
               r"kombinieren|mischen|nachlegen|nachwerfen|nachdosieren",
        "frame": r"studien?|forschung|therapie|therapeutischen?|klinischen?|klinik|patienten|"
                 r"teilnehmer|protokolle?|sitzungen?|artikel|dokumente?|versuche?",
    },
    "portuguese": {
        "marker": r"os|as|que|para|com|uma|um|eu|do|da|dos|das|quanto|quantos|quantas|devo|nao|posso|tomar|qual|mim|meu|minha|no|na|se|em|por|voce",
        "amount": r"quant[oa]s?|qual\s+(?:a\s+)?dose|que\s+dose|dose|doses|dosagem|quantidade|"
                  r"miligramas|comprimidos?|pilulas?|balas?|doces?|cada\s+quanto|de\s+quanto\s+"
                  r"em\s+quanto|quando\s+(?:devo|posso|tomar)|tomar\s+de\s+novo|"
                  r"\d+\s*mg",
        "person": r"eu|mim|para\s+mim|comigo|meu|minha|meus|minhas|devo|deveria|posso|poderia|"
                  r"preciso|quero|vou|peso|tenho\s+\d+|estou\s+(?:tomando|a\s+tomar)|"
                  r"(?:meu|minha)\s+(?:amig[oa]|namorad[oa]|irma[o]?|filh[oa]|paciente)|"
                  r"(?:ele|ela)\s+(?:deve|deveria|pode|quer)|imagine|suponha|hipoteticamente|"
                  r"ignore|finja|recomenda|me\s+diga|me\s+fala",
        "use": r"tomar|tomo|tome|tomaria|consumir|usar|uso|engolir|misturar|combinar",
        "frame": r"ensaios?|estudos?|pesquisas?|terapia|terapeutic[oa]s?|clinic[oa]s?|"
                 r"pacientes|participantes|protocolos?|sess(?:ao|oes)|artigos?|documentos?",
    },
    "italian": {
        "marker": r"il|lo|gli|che|per|con|una|un|io|di|del|della|quanto|quante|quanti|devo|non|sono|posso|prendere|quale|mi|mio|mia|nel|nella|ho|se|e|dovrei",
        "amount": r"quant[oaie]|che\s+dose|quale\s+dose|dose|dosi|dosaggio|quantita|"
                  r"milligrammi|pasticche?|pastiglie?|pillole?|ogni\s+quanto|quando\s+"
                  r"(?:devo|posso|prendere)|ridosare|riprendere|\d+\s*mg",
        "person": r"io|per\s+me|mio|mia|miei|mie|devo|dovrei|posso|potrei|voglio|vorrei|peso|"
                  r"ho\s+\d+|sto\s+prendendo|prendo|(?:il\s+mio|la\s+mia)\s+(?:amic[oa]|"
                  r"ragazz[oa]|fratello|sorella|figli[oa]|paziente)|(?:lui|lei)\s+(?:deve|"
                  r"dovrebbe|puo|vuole)|immagina|supponiamo|ipoteticamente|ignora|fingi|"
                  r"consigli|dimmi|dammi",
        "use": r"prendere|prendo|prenda|prenderei|assumere|assumo|consumare|usare|calare|"
               r"ingoiare|mescolare|combinare|ridosare|riprendere",
        "frame": r"sperimentazion[ei]|studi|studio|ricerca|ricerche|terapia|terapeutic[hoiae]+|"
                 r"clinic[hoiae]+|pazienti|partecipanti|protocoll[oi]|session[ei]|"
                 r"articol[oi]|document[oi]",
    },
}
ENGLISH = frozenset("""the an is are what how much many should i my to of for and in on with
do does can you it this that be if or when why which would could take after before about
""".split())
_LANG = {lang: {k: re.compile(rf"(?<![\w'])(?:{v})(?![\w'])") for k, v in words.items()}
         for lang, words in LANGUAGES.items()}


@dataclass(frozen=True)
class Verdict:
    refuse: bool
    rule: str = ""  # the rule that decided, e.g. "personal_use"
    trigger: str = ""  # the words it matched, in canonical form
    turn: int = 0  # 0: the question itself; -n: the n-th earlier user turn led to it


ALLOW = Verdict(False)


def canonical(text: str, *, leet: bool = False) -> str:
    """`text` as the rules read it.

    >>> canonical("Hоw MUCH m.d.m.a sh\\u200bould I  t a k e?")
    'how much mdma should i take?'
    >>> canonical("h0w mUch sh0uld 1 t4ke", leet=True)
    'how much should i take'
    """
    text = "".join(map(_latin, unicodedata.normalize("NFKC", text))).translate(HOMOGLYPHS)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) not in ("Mn", "Cf", "Cc") or ch in "\n\t")
    text = text.replace("ß", "ss").replace("\u2019", "'").replace("\u2018", "'").casefold()
    text = _join_spaced(re.sub(r"[^\S ]+", "  ", text))
    if leet:
        text = LEETY.sub(_unleet, text)
    return " ".join(INNER_MARKS.sub("", text).split())


@lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """A stylized Latin letter (small capital, modifier letter...) as the plain letter."""
    if ch.isascii() or not ch.isalpha():
        return ch
    m = LATIN_NAME.fullmatch(unicodedata.name(ch, ""))
    return m.group(1).lower() if m else ch


def _join_spaced(text: str) -> str:
    """Spaced-out letters joined: "h o w  m u c h" -> "how much"."""
    def join(m: re.Match) -> str:
        run = m.group(0)
        lead = run[:2] if run[:2] in ("i ", "a ") and len(run) > 7 else ""  # "i t a k e"
        return lead + re.sub(r"[ .\-_*·•+]", "", run[len(lead):])
    parts = re.split(r"( {2,}| ?[/|] ?)", text) if "  " in text else [text]
    return "".join(SPACED.sub(join, p) if not p.isspace() else " " for p in parts)


def _unleet(m: re.Match) -> str:
    token = m.group(0)
    if re.fullmatch(r"\d+(?:[.,]\d+)?(?:mg|g|kg|x)?", token) and token not in ("1", "0"):
        return token  # a real number
    return token.translate(LEET)


def check(question: str, history: list[dict] | None = None) -> Verdict:
    """Refuse `question` (in its conversation) or let it through, and say why.

    >>> check("ok, so how much should I take?").rule
    'personal_use'
    >>> check("and for me?", [{"role": "user", "content": "What doses are used in trials?"}]).rule
    'escalation'
    """
    verdict = judge(question)
    if verdict.refuse:
        return verdict
    earlier = [t["content"] for t in history or []
               if isinstance(t, dict) and t.get("role") == "user" and isinstance(
                   t.get("content"), str)]
    return _escalation(question, earlier)


def judge(text: str) -> Verdict:
    """The verdict on one message, on its own: read as written, de-leeted, and reversed."""
    readings = [canonical(text), canonical(text, leet=True), canonical(text[::-1])]
    readings += [canonical(decoded) for decoded in _decoded(text)]
    for reading in dict.fromkeys(readings):
        for rule, found in _matches(reading):
            return Verdict(True, rule, found)
    return ALLOW


def _decoded(text: str) -> list[str]:
    """The text of base64 runs in `text`: "aG93IG11Y2g=" -> "how much"."""
    out = []
    for run in BASE64.findall(text):
        try:
            decoded = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
            out.append(decoded.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return out


def _matches(text: str):
    """(rule, matched words) for each rule that matches `text`, in rule order."""
    if OVERRIDE.search(text) and (m := DOSE_WORDS.search(text)):
        yield "override", m.group(0)
    for rule, pattern in RULES.items():
        if m := pattern.search(text):
            yield rule, m.group(0)
    if FICTION.search(text) and (m := FICTION_DOSE.search(text)) and FICTION_PERSONAL.search(
            text):
        yield "framing", m.group(0)
    if (m := DOSE_QUESTION.search(text)) and not _framed(text):
        yield "dose_question", m.group(0)
    yield from _foreign(text)


def _framed(text: str) -> bool:
    """Is a dose question about research or the documents rather than about a person?"""
    if PERSON.search(ASKING_ME.sub(" ", text)):
        return False
    return bool(STRONG_FRAME.search(text) or (WEAK_FRAME.search(text)
                                              and not SEEKING.search(text)))


def _foreign(text: str):
    """Rules for questions written mostly in another language."""
    words = re.findall(r"[^\W\d_]+", text)
    english = sum(w in ENGLISH for w in words)
    counts = {lang: len(rx["marker"].findall(text)) for lang, rx in _LANG.items()}
    best = max(counts.values()) if max(counts.values()) >= max(english, 1) else 0
    frame = any(rx["frame"].search(text) for rx in _LANG.values()) or STRONG_FRAME.search(text)
    for lang, rx in _LANG.items():
        if not best or len(rx["marker"].findall(text)) < best:
            continue
        amount, person = rx["amount"].search(text), rx["person"].search(text)
        use = rx["use"].search(text)
        if amount and (person or not frame):
            yield f"{lang}_dose", amount.group(0)
        elif use and person and not frame:
            yield f"{lang}_use", f"{person.group(0)} … {use.group(0)}"


def _escalation(question: str, earlier: list[str]) -> Verdict:
    """Refuse a follow-up that makes an earlier dose (or refused) question personal."""
    for back, text in enumerate(reversed(earlier), start=1):
        before = judge(text)
        dosey = before.refuse or DOSE_WORDS.search(canonical(text)) or any(
            _foreign(canonical(text)))
        if not dosey:
            continue
        now = canonical(question)
        if _framed(now):
            return ALLOW
        cue = ESCALATION.search(now)
        if cue and not INFORMATIONAL_FOLLOWUP.search(now):
            return Verdict(True, "escalation", cue.group(0), -back)
        if before.refuse and DOSE_WORDS.search(now):
            return Verdict(True, "escalation", before.trigger, -back)
    return ALLOW
