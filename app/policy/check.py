"""The safety policy: personal dosing and personal-use questions are refused before retrieval.

`check(question, history)` returns a `Verdict`. The question is read several
ways (`readings`): put in canonical form (Unicode normalized, invisible and blank
characters dropped, look-alike letters mapped to Latin, accents stripped,
lower-cased, spaced-out letters joined, common misspellings fixed), de-leeted,
reversed, and decoded when it carries base64, hex, ROT13 or Morse. Each reading
is then matched against concepts (`WORDS`: a person, a consumption verb, an
amount, a timing, a judgement, an occasion, a research frame...), written in
English, Spanish, French, German, Portuguese and Italian, and these named rules:

- `override`: an instruction to switch the policy off, with any dose;
- `personal_use`: someone (I, we, my friend, he) taking, dropping, redosing something;
- `personal_dose`: a dose tied to a person ("for me", "my limit", "what would you take");
- `situation`: a person's weight, age, medicine or condition, with a dose or safety question;
- `occasion`: a dose for an occasion ("tonight", "at the festival", "first time");
- `amount_choice`: amounts weighed against each other or judged ("120 or 150?", "is 200 risky?");
- `dose_question`: an amount or timing question about taking something ("how many pills in
  one night", "what's a safe dose");
- `framing`: a hypothetical, fictional or role-play frame around a dose;
- `spaced`: a request hidden by spacing ("howmuchshouldItake");
- `escalation`: a follow-up that makes an earlier dose question (or refused one) personal.

Only `amount_choice`, `dose_question`, `framing`, `situation` and `occasion` let a
research or document frame through ("What doses are used in clinical trials?",
"What does the article say about doses?"), and only when no person or occasion
is named. The first rule that matches decides; `Verdict.rule` names it and
`Verdict.trigger` quotes the words it matched. The rules were written on
`eval/policy_tuning.jsonl`; `eval/policy_test.jsonl` is held out.

This module does not read documents or use a model, and decides nothing but refusals.

    >>> check("How much molly should I take?").rule
    'personal_use'
    >>> check("What doses are used in clinical trials?").refuse
    False
"""

from __future__ import annotations

import base64
import codecs
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

# ---------------------------------------------------------------- reading the text

# Look-alike letters of other scripts, mapped to the Latin letter they imitate.
HOMOGLYPHS = str.maketrans(
    "аbсԁеɡһіјкӏмոорԛѕтսᴠԝхуᴢ" "АВСЕНІЈКМОРЅТХУ" "αβεηικνορτυχγ" "ΑΒΕΗΙΚΜΝΟΡΤΥΧΖ"
    "ıℓ" "ᎪᏴᏟᎬᎻᏆᎫᏦᏞᎷᏢᏚᎢᏙᏔᏃᏫᏬᎧᏒᎡ",
    "abcdeghijklmnopqstuvwxyz" "ABCEHIJKMOPSTXY" "abenikvoptuxy" "ABEHIKMNOPTYXZ"
    "il" "ABCEHIJKLMPSTVWZOOGRR")
LATIN_NAME = re.compile(r"(?:LATIN|MODIFIER|REGIONAL INDICATOR SYMBOL)\b.*\bLETTER (?:SMALL CAPITAL "
                        r"|SMALL |CAPITAL )?([A-Z])(?: WITH .*)?")
BLANKS = re.compile("[\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5]")
LEET = str.maketrans("0134578@$!|", "oieastbasil")
LEETY = re.compile(r"[a-z]*[0-9@$!|][a-z0-9@$!|]*")  # a token with leet characters in it
SPACED = re.compile(r"\b[a-z0-9@$]([ .\-_*·•+~])[a-z0-9@$](?:\1[a-z0-9@$]\b)+")  # "h o w", "d.o.s.e"
INNER_MARKS = re.compile(r"(?<=[a-z]{2})[.*_`~^|·•+]+(?=[a-z]{2})")  # "mo.lly", "do*se"
SPELLING = {  # misspellings seen in the tuning set, and a few more of each kind
    "manny": "many", "mny": "many", "mani": "many", "mutch": "much", "mch": "much",
"hw": "how", "hou": "how", "hwo": "how", "wat": "what", "wot": "what",
    "wht": "what", "wen": "when", "wenn": "when", "shud": "should", "shld": "should",
    "shold": "should", "shoud": "should", "shuld": "should", "sould": "should",
    "shoudl": "should", "sholud": "should", "shoul": "should", "cn": "can", "tak": "take",
    "tke": "take", "takke": "take", "taek": "take", "tkae": "take", "moly": "molly",
    "molli": "molly", "mollie": "molly", "mdmaa": "mdma", "mdmma": "mdma", "exstacy": "ecstasy",
    "extacy": "ecstasy", "ecstacy": "ecstasy", "xtacy": "ecstasy", "pils": "pills",
    "pilz": "pills", "pillz": "pills", "beanz": "beans", "capz": "caps", "tabz": "tabs",
    "dos": "dose", "doze": "dose", "dosege": "dosage", "doseage": "dosage", "dossage": "dosage",
    "redoes": "redose", "redoze": "redose", "iz": "is", "u": "you", "ur": "your", "r": "are",
    "2nite": "tonight", "2night": "tonight", "tonite": "tonight", "b4": "before",
    "tmrw": "tomorrow", "2moro": "tomorrow", "abt": "about", "bcuz": "because", "ok?": "ok",
    "ammount": "amount", "amout": "amount", "molley": "molly", "1st": "first",
    "wanna": "want to", "gonna": "going to", "gotta": "have to", "im": "i'm", "ill": "i'll",
    "ive": "i've", "id": "i'd", "back2back": "back to back", "mgs": "mg", "mgz": "mg",
    "jpeux": "je peux", "jpe": "je peux", "jsuis": "je suis", "jdois": "je dois", "jveux": "je veux",
    "chui": "je suis",
}
SPELL_PHRASES = re.compile(r"\b(?:2|to)\s+(much|many)\b")  # "2 much", "to many"
BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
HEX = re.compile(r"(?:[0-9a-fA-F]{2}\s?){8,}")
MORSE = re.compile(r"[.\-]{1,6}(?:\s+(?:/\s+)?[.\-]{1,6}){5,}")
MORSE_CODE = dict(zip(
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- "
    ".-- -..- -.-- --.. ----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----.".split(),
    "abcdefghijklmnopqrstuvwxyz0123456789"))


def canonical(text: str, *, leet: bool = False) -> str:
    """`text` as the rules read it.

    >>> canonical("Hоw MUCH m.d.m.a sh\\u200bould I  t a k e?")
    'how much mdma should i take?'
    >>> canonical("h0w mUch sh0uld 1 t4ke", leet=True)
    'how much should i take'
    """
    text = BLANKS.sub(" ", unicodedata.normalize("NFKC", text))
    text = "".join(map(_latin, text)).translate(HOMOGLYPHS)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) not in ("Mn", "Me", "Cf", "Cc") or ch in "\n\t")
    text = text.replace("ß", "ss").replace("\u2019", "'").replace("\u2018", "'").casefold()
    text = _join_spaced(re.sub(r"[^\S ]+", "  ", text))
    text = re.sub(r"(?<=[a-z]{2})_(?=[a-z]{2})", " ", text)  # "user_weight_kg", not "h_o_w"
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # quote marks, not "i'm" or "don't"
    if leet:
        text = LEETY.sub(_unleet, text)
    text = INNER_MARKS.sub("", text)
    text = SPELL_PHRASES.sub(r"too \1", text)
    text = re.sub(r"[\w'?]+", lambda m: SPELLING.get(m.group(0), m.group(0)), text)
    return " ".join(text.split())


def readings(text: str) -> list[str]:
    """The ways `text` is read: as written, de-leeted, reversed, and decoded."""
    found = [canonical(text), canonical(text, leet=True), canonical(text[::-1])]
    found += [canonical(decoded) for decoded in _decoded(text)]
    return list(dict.fromkeys(found))


@lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """A stylized Latin letter (small capital, regional indicator...) as the plain letter."""
    if ch.isascii() or not (ch.isalpha() or unicodedata.category(ch) == "So"):
        return ch
    m = LATIN_NAME.fullmatch(unicodedata.name(ch, ""))
    return m.group(1).lower() if m else ch


def _join_spaced(text: str) -> str:
    """Spaced-out letters joined: "h o w  m u c h" -> "how much"."""
    def join(m: re.Match) -> str:
        run = m.group(0)
        lead = run[:2] if run[:2] in ("i ", "a ") and len(run) > 7 else ""  # "i t a k e"
        return lead + re.sub(r"[ .\-_*·•+~]", "", run[len(lead):])
    parts = re.split(r"( {2,}| ?[/|] ?)", text) if "  " in text else [text]
    return "".join(SPACED.sub(join, p) if not p.isspace() else " " for p in parts)


def _unleet(m: re.Match) -> str:
    token = m.group(0)
    if re.fullmatch(r"\d+(?:[.,]\d+)?(?:mg|g|kg|x)?", token) and token not in ("1", "0"):
        return token  # a real number
    return token.translate(LEET)


def _decoded(text: str) -> list[str]:
    """Text hidden in base64, hex, ROT13 or Morse inside `text`."""
    out = [codecs.decode(text, "rot13")]
    for run in BASE64.findall(text):
        try:
            out.append(base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode())
        except (ValueError, UnicodeDecodeError):
            pass
    for run in HEX.findall(text):
        try:
            out.append(bytes.fromhex(re.sub(r"\s", "", run)).decode())
        except (ValueError, UnicodeDecodeError):
            pass
    for run in MORSE.findall(text):
        out.append(" ".join("".join(MORSE_CODE.get(c, "") for c in word.split())
                            for word in re.split(r"\s*/\s*", run)))
    return [t for t in out if t and t != text]


# ---------------------------------------------------------------- concepts

MEDS = (r"imaos?|isrs|irss|ssri|paroxetin[ae]?|fluoxetin[ae]?|sertralin[ae]?|sertraline|zoloft|fluoxetine|prozac|citalopram|celexa|escitalopram|lexapro|paroxetine|"
        r"paxil|ssris?|snris?|maois?|phenelzine|nardil|tranylcypromine|parnate|selegiline|"
        r"moclobemide|antidepressants?|lithium|bupropion|wellbutrin|tramadol|venlafaxine|effexor|"
        r"duloxetine|cymbalta|mirtazapine|trazodone|meds|medications?|medicines?|adderall|"
        r"ritalin|stimulants|5-?htp|l-?tryptophan|tryptophan|sertralina|fluoxetina|antidepresivos?|"
        r"antidepresseurs?|antidepressiva|antidepressivos?|antidepressivi")
RELATIONS = (r"friends?|mates?|buddy|buddies|bros?|brother|sis|sister|siblings?|lads?|girl|guy|"
             r"girlfriend|boyfriend|gf|bf|partner|wife|husband|son|daughter|mom|mum|mother|dad|"
             r"father|cousin|room-?mate|flat-?mate|house-?mate|kids?|child|teen|teenager|colleague|"
             r"co-?worker|uncle|aunt|niece|nephew|neighbou?r|guests?|date|crew|pal|missus|boo|"
             r"fiancee?|birthday\s+(?:girl|boy)|guest\s+of\s+honou?r|patients?|clients?|bestie|"
             r"bff")
FOREIGN_PERSONS = (r"amig[oa]s?|novi[oa]|pareja|herman[oa]|chava|chavo|amie?|copine?|copain|pote|"
                   r"frere|soeur|freund(?:in)?|kumpel|bruder|schwester|namorad[oa]|irma[o]?|"
                   r"amic[oa]|ragazz[oa]|fratello|sorella")
WORDS = {
    "self": r"i|we|i'm|i'll|i'd|i've|we're|we'll|we'd|we've|me|us|myself|yo|je|j'|moi|ich|mich|mir|"
            r"eu|mim|io",
    "other": (rf"(?:my|our|his|her|their|mi|mis|mon|ma|mes|mein|meine|meinem|meinen|meu|"
              rf"minha|il\s+mio|la\s+mia|alla\s+mia|al\s+mio)\s+(?:\w+\s+)?(?:{RELATIONS}|"
              rf"{FOREIGN_PERSONS})|bros?|sis|he|she|he'll|she'll|he's|she's|el|ella|il|elle|er|sie|"
              rf"ele|ela|lui|lei"),
    "modal": r"should|shall|can|could|may|might|must|would|will|do|does|ought|need|am|is|are",
    "aux": (r"should|can|could|may|might|must|would|will|do|did|am|'m|m|are|was|have|want|"
            r"going|plan|planning|planned|intend|intending|need|try|trying|like|about|able|"
            r"allowed|ok|okay|safe|fine|safely|still|also|just|ever|not|never|even|really|"
            r"actually|then|to|be|been|it|thinking|considering|hoping|wanting|decided|deciding|"
            r"supposed|meant|usually|normally|always|sometimes|first|only|tonight|tomorrow|"
            r"today|later|again|already|maybe|probably|definitely|wants|needs|plans|tries|"
            r"likes|is|was|gets|got|has|good|still\s+ok|okay\s+if"),
    "use": (r"take|takes|taking|took|redose|redosing|redosed|re-?dose|re-?dosing|re-?up|"
            r"re-?upping|microdose|microdosing|drop|drops|dropping|dropped|pop|pops|popping|"
            r"popped|roll|rolls|rolling|rolled|snort|snorting|swallow|swallowing|consume|"
            r"consuming|double[- ]?drop|candy-?flip|candy-?flipping|bomb|bombing|parachute|"
            r"parachuting|top\s+up|topping\s+up|knock\s+back|neck|chew|crush|inject|injecting|"
            r"smoke|smoking|bump|bumping|rail|dab|dabbing|boot|booting|ballern|knallen|"
            r"go\s+(?:hard|heavy|light|big|easy|harder|all\s+in)|get\s+away\s+with"),
    "use_weak": (r"use|using|used|do|doing|have|having|try|trying|eat|get|grab|handle|mix|"
                 r"mixing|combine|combining|stack|stacking|halve|split|double|increase|"
                 r"decrease|reduce|cut|skip|stop|restart|adjust|raise|lower|pause|quit|give|"
                 r"giving|hand|administer|go\s+with|start|space|spread|pace|time|plan|divide|"
                 r"measure|need|aim\s+for|replicate|copy|be\s+on"),
    "use_foreign": (r"tomar|tomo|tome|tomaria|tomarme|tomarla|consumir|meter|meterme|tragar|trago|"
                    r"echo|echar|repetir|prendre|prends|prenne|prendrais|consommer|gober|gobe|"
                    r"avaler|reprendre|redoser|reprends|nehmen|nehme|nimmt|einnehmen|einwerfen|"
                    r"werfen|schmeissen|schlucken|konsumieren|nachlegen|nachwerfen|engolir|mandar|"
                    r"prendere|prendo|prenda|assumere|assumo|calare|calo|butto|buttare|ingoiare|"
                    r"ridosare|usar|usare|utiliser|ripetere|calarmi|taper|aguento|aguanto|reggo|"
                    r"ballern|schmeissen|prenderei|prenderesti|tomarias|tomaria|prendrais"),
    "drug": (rf"mdma|molly|mollies|ecstasy|extasy|xtc|mandy|e|es|pingers|beans|pills?|tabs?|caps?|"
             rf"capsules?|crystals?|rocks?|powder|points?|{MEDS}|drugs?|substances?|tacha|"
             rf"tachas|pastillas?|pastis|pirulas?|rulas|cristal|balas?|doces?|pasticche?|"
             rf"pastiglie?|pillole?|pillen?|teile|ecsta|ecstas|taz|comprimes?|cachets?|pilules?|"
             rf"comprimidos?|pilulas?|extasis|ecstasy-?pillen?|pasta|paste|sertralin"),
    "street": (r"mdma|molly|mollies|ecstasy|extasy|xtc|mandy|e|pingers|beans|pills?|tabs?|caps?|"
               r"crystals?|rocks?|powder|tacha|pasta|taz|teile|doce|bala|ecsta|extasis"),
    "amount": (r"doses?|microdoses?|dosages?|dosing|dosis|dosi|dosierung|posologie|amounts?|quantit(?:y|ies)|"
               r"cantidad|quantidade|quantita|quantite|menge|mg|milligrams?|milligrammes?|"
               r"miligramos|milligrammi|miligramas|milligramm|grams?|g|mcg|ug|µg|pills?|tabs?|"
               r"caps?|capsules?|points?|bumps?|lines?|hits?|halves|half|quarters?|bombs?|beans|"
               r"redose|top-?ups?|mg/kg|per\s+kg|number|ceiling|pastillas?|pastis|pasticche?|pillole?|"
               r"comprimes?|comprimidos?|pillen?|tabletten?|halbe|media|demie|meia|mezza|mezzo|"
               r"moitie"),
    "how_much": (r"how\s+(?:much|many)|howmuch|howmany|what\s+(?:dose|doses|microdose|dosage|amount|"
                 r"quantity|strength)|which\s+(?:dose|doses|dosage|amount|strength)|what'?s?\s+"
                 r"the\s+(?:dose|dosage|amount|limit|max|maximum)|cuant[oa]s?|combien|"
                 r"wie\s*viele?|quant[oa]s?|quant[ie]|que\s+dosis|quelle\s+dose|quelles\s+doses|"
                 r"welche\s+dosis|qual\s+(?:a\s+)?dose|que\s+dose|che\s+dose|quale\s+dose"),
    "timing": (r"how\s+(?:often|frequently|soon|regularly|many\s+times|far\s+apart)|at\s+what\s+"
               r"time|what\s+time|trop\s+tot|demasiado\s+pronto|zu\s+fruh|cedo\s+demais|"
               r"troppo\s+presto|how\s+long\s+"
               r"(?:would|do|does|should|must|will)\s+(?:\w+\s+){0,2}?(?:need|have|wait|stay|be\s+"
               r"off|go\s+off)|every\s+\d+\s*(?:hours?|hrs?|h|minutes|mins)|how\s+long\s+"
               r"(?:between|to\s+wait|should|must|do\s+(?:i|we|you)|until\s+(?:i|we|you)|"
               r"till\s+(?:i|we|you)|before\s+(?:i|we|you)\s+can)|when(?:'s|\s+is)?\s+(?:should|"
               r"can|do\s+(?:i|we|you)|to|is\s+it\s+(?:ok|okay|safe|best|time)|the\s+(?:right|"
               r"best|safe)\s+(?:time|moment))|what\s+time\s+should|(?:safe|minimum|right|best|"
               r"ideal)\s+(?:gap|interval|wait|break|time)|gap\s+between|wait\s+between|"
               r"cada\s+cuanto|tous\s+les\s+combien|a\s+quelle\s+frequence|wie\s+oft|"
               r"wie\s+lange\s+warten|ogni\s+quanto|de\s+quanto\s+em\s+quanto|quando\s+(?:devo|"
               r"posso)|cuando\s+(?:debo|puedo)|wann\s+(?:soll|kann|darf)"),
    "size": r"low|lower|high|higher|little|small|big|large|light|heavy|strong|weak|much|many",
    "judge": (r"ceiling|threshold|upper\s+limit|wreck\s+me|fry|frying|safe|safest|safer|ok|okay|fine|alright|alrite|enough|plenty|too\s+(?:much|many|"
              r"strong|big|high|often|soon)|a\s+lot|overkill|overdoing|over\s+the\s+top|"
              r"pushing\s+it|excessive|risky|dangerous|dumb|stupid|smart|sane|sensible|"
              r"reasonable|cool|good\s+idea|bad\s+idea|get\s+away\s+with|limit|max|maximum|"
              r"right|correct|ideal|best|optimal|proper|appropriate|suit|good|decent|solid|"
              r"lethal|deadly|fatal|toxic|sound\s+good|thoughts|smart\s+move|wreck|mucho|"
              r"demasiado|bien|basta|alcanza|suficiente|trop|raisonnable|suffit|ca\s+passe|"
              r"zu\s+viel|passt|reicht|genug|muito|demais|troppo|vanno\s+bene|va\s+bene"),
    "seek": (r"safe|safest|safer|good|right|correct|ideal|best|optimal|proper|appropriate|"
             r"starting|starter|beginners?|first[- ]?time|first[- ]?timers?|newbie|reasonable|"
             r"sensible|ok|okay|fine|enough|too\s+much|too\s+many|a\s+lot|overkill|lethal|"
             r"deadly|fatal|toxic|dangerous|perfect|decent|solid|strong|weak|light|mild|"
             r"moderate|nice|fun|realistic|minimum|min|sane|smart|suggested|recommended"),
    "describe": (r"normal|typical|average|standard|usual|common|regular|recommended|max|maximum|"
                 r"high|higher|highest|low|lower|lowest|large|small|clinical|therapeutic|"
                 r"recreational|street|party"),
    "number": (r"\d+(?:[.,]\d+)?(?![-.,]?\w*-)(?!\s*(?:%|percent|years|yrs|hours|hrs|h\b|minutes|mins|days|"
               r"weeks|months|am|pm|kg|kgs|kilos?|lbs?|pounds|stone))|one|two|three|four|five|"
               r"half|a\s+half|a\s+couple|whole|entire"),
    "unit": (r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|one\s+and\s+a\s+half|a\s+half|"
             r"half\s+a|a\s+quarter|quarter|a)\s*(?:mg|milligrams?|milligrammes?|g|grams?|gr|mcg|ug|µg|pills?|tabs?|"
             r"caps?|capsules?|points?|halves|bumps?|lines?|beans|mollies|doses|x)\b"),
    "choice": (r"(?:\d+(?:[.,]\d+)?|one|two|three|a\s+half|half|whole|uno|una|dos|tres|media|"
               r"un|une|deux|trois|eine|zwei|drei|halbe|um|uma|duas|meia|due|tre|mezza)\s*"
               r"(?:\s*\w+)?\s+(?:or|o|ou|oder|oppure)\s+(?:\w+\s+)?"
               r"(?:\d+|one|two|three|four|half|whole|a\s+third|another|dos|tres|deux|trois|"
               r"zwei|drei|duas|tres|due|tre|entera|media|entiere|moitie|ganze|halbe|inteira|"
               r"meia|intera|mezza|both)|(?:half|whole|entire|entera|media|moitie|demie|"
               r"entiere|halbe|ganze|meia|inteira|mezza|mezzo|intera)\s+(?:\w+\s+)?(?:or|o|ou|"
               r"oder|oppure)|another\s+(?:one|half|pill|cap|tab|dose|bump|line|point|bean)|"
               r"one\s+more(?!\s+(?:question|thing|time|point|follow|query|detail))|a\s+third\s+(?:one|pill|cap|tab)|"
               r"double\s+(?:that|it|up|the\s+dose)|otra\s+mas|una\s+mas|une\s+autre|"
               r"encore\s+une|noch\s+(?:eine|einen|eins)|mais\s+uma|un'?altra|ancora\s+una|"
               r"\d+\s*(?:mg)?\s+(?:at|then)\s+\d+\s*(?:am|pm|h)?|(?:bomb|dab|snort|swallow|parachute|rail|boot)"
               r"\w*\s+or\s+(?:\w+\s+)?(?:bomb|dab|snort|swallow|parachute|rail|boot)\w*|(?:upping|going|jump|bump\s+it)\s+(?:from|to)\s+"
               r"(?:\d+|one|two)"),
    "for_person": (r"(?:for|pour|para|pra|per|fur|bei)\s+(?:me|myself|us|him|her|them|moi|mi(?!\s+[a-z])|"
                   r"mich|mim|mir|someone\s+(?:my|like\s+me|of\s+my|small|petite|heavy|light|"
                   r"big|skinny|tiny|on|with)|a\s+(?:beginner|first[- ]?timer|newbie|"
                   r"lightweight|small|petite|heavy|big|skinny|light|sensible|tiny)\b|"
                   r"(?:a|the)\s+(?:girl|guy|woman|man|person)\s+(?:my|like\s+me|of\s+my|who)|"
                   r"(?:my|our|his|her|a|the|mi|mon|ma|mein|meine|meu|minha|il\s+mio|la\s+mia)\s+"
                   r"(?:\w+\s+)?(?:" + RELATIONS + "|" + FOREIGN_PERSONS + r"))|"
                   r"(?:people|someone|somebody|a\s+person)\s+(?:like\s+me|my\s+(?:size|weight|"
                   r"age|build))|(?:a|an)\s+(?:beginner|first[- ]?timer|newbie|lightweight)|"
                   r"someone\s+(?:small|petite|heavy|big|skinny|light|tiny)|a\s+(?:heavy|big|"
                   r"small|petite|skinny|light)\s+(?:guy|girl|person|woman|man)|"
                   r"a\s+sensible\s+person|what'?s\s+right\s+for\s+(?:her|him)|"
                   r"para\s+(?:una|un)\s+(?:chica|chico)|para\s+mi(?!\s+[a-z])|pra\s+mim|per\s+me|"
                   r"pour\s+moi|fur\s+mich|bei\s+mir|(?:all|both|two|three|four|five|six|\d+)\s+of\s+"
                   r"us|between\s+us|(?:fur|pra|para|pour|per)\s+(?:sie|ela|ella|"
                   r"elle|lei|lui|el|ele)|(?:a|alla|al|au|a\s+la)\s+(?:mi|mia|mio|ma|mon|minha|"
                   r"meu|meine|meinem)\s+(?:\w+\s+)?(?:" + RELATIONS + "|" + FOREIGN_PERSONS + ")"),
    "my_dose": (r"my\s+(?:first|next|second|usual)\s+(?:{street})|"
                r"(?:my|mine|our)\s+(?:own\s+|usual\s+|normal\s+|next\s+|first\s+|second\s+|"
                r"\w+\s+)?(?:doses?|dosages?|amounts?|pills?|caps?|tabs?|limit|max|maximum|"
                r"usual|first\s+time|next\s+one|roll|rolls|trip|tolerance|redose|booster|"
                r"bumps?|mg)|(?:what'?s|where'?s|what\s+is)\s+my\s+(?:limit|max)|my\s+own|"
                r"the\s+subject\s+\(?me\)?|myself|my\s+number|(?:the\s+)?(?:max|most|maximum|limit|"
                r"least)\s+(?:\w+\s+){0,2}?(?:i|we)\s+(?:\w+\s+)?(?:can|could|should)|self-?(?:therapy|treat|treating|treatment|"
                r"medicate|medicating|administer|administering|guided|dose|dosing)"),
    "body": (r"(?:i|we)\s+weigh|(?:i'm|i\s+am)\s+(?:only\s+)?\d+(?!\s*%)|\d+\s*(?:kg|kgs|kilos?|"
             rf"lbs?|pounds|stone|chili|kilogramm|quilos|years\s+old|yo|y/o|ans|anos|anni|jahre)\b|"
             rf"\d'\d|(?:my|our|his|her)\s+(?:body\s+)?(?:weights?|sizes?|age|height|body|"
             rf"bmi|build|bp|blood\s+pressure|heart|liver|kidneys?|health|condition|"
             rf"prescriptions?|(?:\w+\s+)?(?:{MEDS}))|(?:i'm|i\s+am|i've\s+been|been|currently|he's|"
             rf"she's|he\s+is|she\s+is)\s+on\s+(?:\w+\s+){{0,2}}?(?:{MEDS})|"
             rf"(?:i|he|she)\s+(?:take|takes|use|uses)\s+(?:{MEDS})|(?:i'm|i\s+am)\s+(?:a\s+)?"
             r"(?:pregnant|breastfeeding|diabetic|epileptic|asthmatic|petite|small|tiny|skinny|"
             r"thin|big|heavy|lightweight|heavyweight|minor|sensitive)\b|i\s+have\s+(?:a\s+|an\s+)?"
             r"(?:heart|high\s+blood|low\s+blood|bipolar|epilepsy|diabetes|asthma|tolerance)|"
             r"peso\s+\d+|pese\s+\d+|wiege\s+\d+|je\s+fais\s+\d+|estoy\s+tomando|sto\s+prendendo|"
             r"estou\s+tomando|je\s+prends\s+(?:des\s+)?(?:antidepresseurs|ssri|isrs)|"
             rf"(?:tomo|prendo|nehme|sous|suis\s+sous)\s+(?:la\s+|el\s+|le\s+|il\s+|a\s+|o\s+|"
             rf"des\s+)?(?:{MEDS})|^on\s+(?:\w+\s+)?(?:{MEDS})|to\s+com\s+\d+|"
             r"(?:i|we)'?m\s+on\s+one\s+of\s+(?:those|these|them)|\d+\s+(?:weeks?|months?)\s+"
             r"pregnant|(?:i'?m|i\s+am|she'?s|she\s+is|(?:my|our)\s+\w+\s+is)\s+(?:\w+\s+)?"
             r"(?:pregnant|breastfeeding)|"
             rf"(?:my|our|his|her)\s+\w+\s+(?:is|'s)\s+on\s+"
             rf"(?:an?\s+)?(?:\w+\s+)?(?:{MEDS})|(?:prende|toma|nimmt|prend|tomam?)\s+(?:un\s+|uma?\s+|"
             rf"einen?\s+)?(?:{MEDS})|"
             rf"put\s+(?:me|him|her)\s+on\s+(?:\w+\s+)?(?:{MEDS})"),
    "occasion": (r"tonight|tomorrow|(?:this|the|next)\s+(?:weekend|saturday|friday|evening)|"
                 r"(?:this|next)\s+time|"
                 r"on\s+(?:saturday|friday|sunday)|saturday|(?:at|for|before|during)\s+(?:the|a|my|"
                 r"this)\s+(?:[\w']+\s+){0,3}?(?:party|rave|festival|club|gig|concert|wedding|set)|(?:a|the|my)\s+(?:rave|festival|"
                 r"night\s+out|party|club\s+night)|night\s+out|first\s+(?:time|roll|trip)|"
                 r"empty\s+stomach|comedown|come\s+up|at\s+home|diy|\d+\s*(?:am|pm)|midnight|"
                 r"esta\s+noche|este\s+finde|ce\s+soir|ce\s+week-?end|heute\s+(?:abend|nacht)|"
                 r"am\s+wochenende|hoje\s+a\s+noite|esta\s+noite|stasera|stanotte|"
                 r"primera\s+vez|premiere\s+fois|erste[sn]?\s+mal|fur\s+den\s+anfang|"
                 r"primeira\s+vez|prima\s+volta|fiesta|festa|soiree|rave|festival|discoteca"),
    "intent": (r"i'll|i\s+will|(?:i'm|i\s+am)\s+going\s+to\s+(?:take|do|try|use|roll|drop|pop|have)|"
               r"going\s+to\s+(?:take|do|try|use|roll)|"
               r"i\s+plan|i'm\s+planning|planning\s+(?:to|on)|going\s+with|i\s+want\s+to|"
               r"replicate|copy\s+(?:it|that|this)|aim\s+for|lock(?:ing)?\s+(?:that|it)\s+in|"
               r"doing\s+that|taking\s+that|(?:i'?m|we'?re)\s+(?:doing|taking)\s+it|that'?s\s+what\s+i|"
               r"it\s+is\s+for\s+me|i'm\s+doing|i\s+do\s+\d+|i\s+usually|"
               r"i'll\s+copy|(?:is|'s)\s+my\s+(?:move|plan|call|pick)"),
    "prescribe": (r"(?:what|which)\s+(?:would|do|should)\s+you\s+(?:recommend|suggest|advise|"
                  r"take|do|pick|go\s+with|choose|hand|give)|(?:recommend|suggest|advise|"
                  r"prescribe)\s+(?:me|us|for\s+me)|(?:you|u)\s+(?:recommend|suggest|advise)|"
                  r"(?:calculate|work\s+out|figure\s+out|estimate)\s+(?:my|the\s+right|a\s+safe|"
                  r"how\s+much\s+(?:i|we))|(?:just|give\s+me)\s+a\s+(?:number|figure|ballpark)|"
                  r"ballpark|rough\s+number|exact\s+number|what\s+would\s+you\s+do|"
                  r"number\s+please|number\s*\?|"
                  r"(?:me\s+)?recomiendas|recomiendame|(?:me\s+)?conseilles|(?:me\s+)?recommandes|"
                  r"empfiehlst|me\s+recomenda|voce\s+recomenda|mi\s+consigli|consigliami"),
    "override": (r"(?:ignore|disregard|forget|bypass|override|disable|turn\s+off|switch\s+off|"
                 r"deactivate|drop|lift|remove|suspend)\s+(?:\w+\s+){0,3}?(?:instructions?|rules|"
                 r"policy|policies|guidelines|safety|filters?|restrictions|guardrails|"
                 r"programming|training|limits|constraints|system\s+prompt|prompt|content\s+"
                 r"policy|refusals?)|jailbreak|jail-?broken|developer\s+mode|dev\s+mode|"
                 r"god\s+mode|dan\s+mode|\bdan\b|unfiltered|uncensored|no\s+restrictions|"
                 r"without\s+restrictions|no\s+refusals?|no\s+filter|no\s+rules|"
                 r"(?:safety|filter|policy|guardrails?)\s*(?:filter\s*)?(?:=|:|is|are)?\s*"
                 r"(?:off|false|disabled|0|none)|(?:^|[.!?]\s|#+\s*|\[|<|\()\s*/?(?:system|admin|"
                 r"developer|root|sudo)\s*(?::|\]|>|\)|#|override)|admin\s+override|"
                 r"(?:your|safety|content|dosing)\s+polic(?:y|ies)\s+(?:has\s+been\s+|was\s+|"
                 r"is\s+)?(?:updated|changed|lifted|suspended|disabled|removed|off)|"
                 r"(?:rule|rules|policy|filter|restrictions?|safety|refusals?)\s+(?:was|were|has\s+"
                 r"been|have\s+been|is|are)\s+(?:removed|lifted|disabled|deleted|turned\s+off|"
                 r"updated|suspended|gone)|"
                 r"new\s+instructions|previous\s+instructions|prior\s+instructions|"
                 r"you\s+are\s+now|you'?re\s+now|you\s+are\s+allowed|you'?re\s+allowed|"
                 r"permission\s+granted|policy\s+doesn'?t\s+apply|mode\s+with\s+no|"
                 r"ignora|ignore\s+tes|ignoriere|ignora\s+le"),
    "fiction": (r"hypothetical|hypothetically|theoretical|theoretically|in\s+theory|purely\s+"
                r"(?:academic|theoretical|hypothetical)|pretend|role-?play|"
                r"roleplay|imagine|(?:for|in)\s+(?:a|my|our)\s+(?:novel|story|book|screenplay|"
                r"script|game|film|movie|fiction|play|comic)|fictional|(?:my|main)\s+character|"
                r"the\s+character\s+(?:takes?|wants?|needs?|is\s+going|would|should|does)|"
                r"protagonist|act\s+as|acting\s+as|play\s+the\s+role|(?:you\s+are|"
                r"you're|as)\s+(?:a|my|an)\s+(?:\w+\s+)?(?:doctor|physician|pharmacist|dealer|"
                r"nurse|chemist|friend|expert|worker|psychiatrist)|let'?s\s+say|suppose|"
                r"supposing|what\s+if\s+(?:i|someone|my|we|a)|continue\s+the\s+story|"
                r"fill\s+in\s+the\s+blanks?|complete\s+the\s+(?:sentence|story|line)|say\s+(?:i|someone|a\s+person)|"
                r"asking\s+for\s+a\s+friend|thought\s+experiment|if\s+you\s+(?:were|had|could)|"
                r"in\s+a\s+world|imagina|supongamos|hipoteticamente|supposons|hypothetiquement|"
                r"stell\s+dir\s+vor|angenommen|hypothetisch|suponha|supponiamo|ipoteticamente|"
                r"fais\s+semblant|finge|finja|fingi"),
    "frame": (r"trials?|studies|study|studied|research|researchers?|clinical|clinic|therapy|"
              r"psychiatrists|doctors|physicians|clinicians|"
              r"therapies|therapeutic|therapists?|protocols?|participants?|patients|subjects|"
              r"scientists?|experiments?|maps|fda|assisted|treatment|psychotherapy|booster|"
              r"volunteers|lab|animals?|rats|mice|monkeys|primates|ensayos?|estudios?|"
              r"investigacion|terapia|therapie|terapeutic\w*|therapeutique\w*|therapeutisch\w*|"
              r"clinic\w+|klinisch\w*|essais?|etudes?|recherches?|studien|forschung|ensaios?|"
              r"estudos?|pesquisas?|sperimentazion\w|studi|ricerca|pacientes|pazienti|"
              r"teilnehmer|participantes|partecipanti|protocol\w+|protokoll\w*"),
    "cited": (r"articles?|documents?|texts?|papers?|sources?|literature|authors?|writers?|"
              r"corpus|passages?|section|mentioned|mention|describe|described|discussed|"
              r"articulos?|artigos?|articol[oi]|artikel|dokument\w*|documentos?|documenti"),
    "population": (r"recreational|recreationally|users|people|partygoers|ravers|clubbers|street|"
                   r"streets|nowadays|these\s+days|seized|police|market|sold|tested|testing|"
                   r"drug-?checking|fentanyl|adulterated|purity|contain|contains|"
                   r"(?:an?|the)\s+(?:average|typical|normal|single)\s+(?:ecstasy\s+|mdma\s+)?"
                   r"(?:pill|tablet|capsule)|personas|gente|personnes|menschen|leute|pessoas|"
                   r"persone|durchschnittliche|recreativ\w+|recreacional\w*|ricreativ\w+|"
                   r"freizeit\w*"),
    "asking_me": (r"(?:tell|show|give|remind|teach|send)\s+me|let\s+me\s+(?:know|ask|take\s+a)|"
                  r"explain\s+(?:to\s+me)?|can\s+you|could\s+you|would\s+you\s+(?:explain|tell|"
                  r"summari[sz]e)|help\s+me\s+understand|(?:my|our)\s+(?:novel|book|story|"
                  r"screenplay|script|essay|paper|thesis|class|course|project|research|homework|"
                  r"assignment|professor|teacher|lecturer|article|blog|podcast|students?|"
                  r"understanding|question|reading|notes|presentation|report|dissertation|"
                  r"review|school|university|exam|last\s+question|earlier\s+message)|"
                  r"(?:summari[sz]e|explain|clarify|list|describe|outline|translate|define|cite|"
                  r"quote|check|look\s+up)\s+(?:\w+\s+){0,5}?for\s+(?:me|us)|for\s+us|"
                  r"mi\s+(?:profesor|tesis)|mon\s+professeur|il\s+mio\s+professore"),
}
IDIOMS = (r"(?!\s+(?:away|a\s+(?:\w+\s+)?(?:course|class|look|break|moment|step|different|closer|quick|"
          r"guess|second\s+look|stab|minute)|notes|part|place|care|into|time|over|off|issue|it\s+"
          r"that|this\s+(?:course|class)|out|in\s+(?:the|a)|by|up\s+(?:the|a)|a\s+look))")
PIECES = {
    "gap2": r"(?:[\s,;:]+[\w'.-]+){0,2}?[\s,;:]+",
    "gap4": r"(?:[\s,;:]+[\w'.-]+){0,4}?[\s,;:]+",
    "gap6": r"(?:[\s,;:]+[\w'.-]+){0,6}?[\s,;:]+",
    "subject": r"{self}|{other}",
    "auxes": r"(?:\s+{aux}){0,4}\s+",
    "act": r"(?:{use})" + IDIOMS,
    "dosey": r"{amount}|{how_much}|{timing}|{unit}|{choice}",
    "meds": MEDS,
    "drugx": r"(?:{drug})(?![\s-]+(?:therapy|assisted|research|treatment|trials?|studies|"
             r"sessions?|use\s+disorder))",
    "weak": r"(?!used\s+to)(?:{use_weak})",
    "ongoing": r"(?:i|we)(?:'ve|\s+have|\s+had)\s+(?:been\s+)?(?:doing|taking|using|rolling|"
               r"dropping|done|taken|used|tried|had)\b",
    "past": r"took|taken|redosed|dropped|popped|rolled|snorted|swallowed|parachuted|bombed|"
            r"candyflipped|injected|smoked|bumped|dabbed|booted|knocked\s+back|necked|chewed|"
            r"crushed|consumed",
    "consume": r"(?!used\s+to)(?:use|using|handle|try|eat|grab|mix|combine|stack|halve|split|double|"
               r"increase|space|spread|pace|divide|start|plan|time|need(?!\s+to\s+(?:know|worry|"
               r"understand|read|learn)))",
}


def _rx(pattern: str) -> re.Pattern:
    """`pattern` with {name} placeholders filled from WORDS and PIECES, whole words only."""
    def fill(m: re.Match) -> str:
        return f"(?:{WORDS.get(m.group(1)) or PIECES[m.group(1)]})"
    while re.search(r"\{[a-z_]+\d?\}", pattern):
        pattern = re.sub(r"\{([a-z_]+\d?)\}", fill, pattern)
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])")


C = {name: _rx("{" + name + "}") for name in WORDS}
PAST_USE = _rx(r"(?:i|we|i've|{other})(?:\s+(?:have|had|just|already|also|\w+ly))?\s+{past}"
               r"|(?:i|we)(?:'ve|\s+have|\s+had)\s+(?:been\s+)?(?:doing|taking|using|rolling|"
               r"dropping|done|taken|used|tried|had)")
UNWELL = _rx(r"sick|unwell|ill|nause\w*|vomit\w*|throw\w*\s+up|dizzy|faint\w*|chest|racing|"
             r"pounding|overheat\w*|so\s+hot|burning\s+up|seiz\w+|confus\w+|panic\w*|"
             r"can'?t\s+breathe|breathing|jaw|twitch\w*|shak\w+|help\s+me|emergency|"
             r"hospital|bad\s+trip|passed\s+out|collapse\w*|again|another|next|more|{judge}")
PERSONAL_USE = _rx(
    r"(?:{modal}|did)\s+(?:i|we|{other}){auxes}(?:{act}|dose|handle|manage)"
    r"|(?:{modal}|did)\s+(?:i|we|{other}){auxes}{weak}{gap4}{drugx}"
    r"|(?:i'?m|i\s+am|we'?re|he'?s|she'?s)\s+(?:\w+\s+)?on\s+(?:{street})(?!\s*-?\s*assisted)"
    r"|(?:{other}){auxes}(?:puede|podria|debe|deberia|peut|pourrait|doit|devrait|kann|darf|soll|"
    r"sollte|pode|poderia|deve|deveria|puo|potrebbe|dovrebbe)(?:\s+\w+){0,3}?\s+(?:{use_foreign})"
    r"|(?:puede|podria|debe|deberia|peut|pourrait|doit|devrait|pode|poderia|deve|deveria|puo|"
    r"potrebbe|dovrebbe)\s+(?:\w+\s+)?(?:{use_foreign})(?=.*(?:{other}))"
    r"|(?!{ongoing})(?:i|we|i'm|i'll|i'd|i've|{other}){auxes}(?!{past})(?:{act})"
    r"|(?!{ongoing})(?:i|we|i'm|i'll|i'd|i've|{other}){auxes}{weak}{gap2}{drugx}"
    r"|(?:for|let|want|help|make|get|tell)\s+(?:me|us|him|her|them|{other})\s+(?:to\s+)?{act}"
    r"|(?:debo|deberia|puedo|podria|tengo\s+que|necesito|quiero|voy\s+a|dois-je|puis-je|"
    r"devrais-je|je\s+(?:dois|peux|devrais|vais|veux)|soll\s+ich|kann\s+ich|darf\s+ich|"
    r"muss\s+ich|sollte\s+ich|devo|deveria|posso|poderia|vou|dovrei|potrei|voglio|"
    r"est-ce\s+que\s+je|je\s+peux)(?:\s+\w+){0,4}?\s+(?:{use_foreign})"
    r"|(?:eu|yo|je|ich|io)\s+(?:\w+\s+)?(?:{use_foreign})|(?:quanto|cuanto|combien)\s+(?:\w+\s+)?"
    r"(?:{use_foreign})"
    r"|(?:me|te)\s+(?:conviene|basta|alcanza)|necesito\s+(?:dos|tres|otra)|(?:aguento|aguanto|"
    r"reggo)\s+\w+"
    r"|(?:me|te)\s+(?:la\s+|lo\s+)?(?:tomo|trago|meto|echo|parto)|j'en\s+(?:gobe|prends)|"
    r"je\s+(?:reprends|prends|gobe)|ne\s+(?:prendo|butto|calo)|tomo\s+mais|ich\s+(?:nehme|"
    r"werfe)|soll\s+ich\s+noch")
PERSONAL_DOSE = _rx(
    r"(?:{how_much}|{timing}){gap6}(?:should|can|could|do|would|must|shall|may|might|am|will|"
    r"does)\s+(?:i|we|{other})(?!\s+(?:\w+\s+)?(?:know|understand|learn|say|think|mean|see|find|"
    r"read|have\s+(?:data|evidence)))"
    r"|{seek}{gap2}(?:{amount})\s+to\s+{act}"
    r"|(?:{modal})\s+(?:i|we)\s+(?:{act}|{consume})\b.*(?:{amount}|{unit}|{choice})"
    r"|(?:{amount}|{unit}|{choice}).*(?:{modal})\s+(?:i|we)\s+(?:{act}|{consume})"
    r"|how\s+(?:hard|heavy|big|far)\s+(?:should|can|could)\s+(?:i|we|{other})\s+go"
    r"|{how_much}\s+(?:\w+\s+)?(?:i|we)\s+(?:can|could|should|need|may|must|am\s+able)"
    r"|which\s+(?:one|option|of\s+(?:these|those|them|the\s+two))\s+should\s+(?:i|we)"
    r"|(?:is\s+it|would\s+it\s+be|will\s+it\s+be)\s+(?:{judge})\s+if\s+(?:i|we|{other})\s+"
    r"(?!ask|quote|cite|share|read|use\s+(?:this|the|your))"
    r"|(?:{how_much}|{amount}){gap4}(?:would|do|should|will|could|can)\s+(?:you|u)\s+(?:give|hand|"
    r"recommend|suggest|prescribe|take|do|sell)"
    r"|(?:{how_much}|{amount}){gap4}(?:give|hand|sell|prescribe)\s+(?:me|us|him|her)")
DOSE_QUESTION = _rx(
    r"{how_much}(?:\s+(?:of|de|di))?\s+(?:{drug}|{amount})"
    r"|{how_much}{gap6}(?:to\s+(?:{act}|{use_weak})|(?:{modal})\s+(?:you|one|people|someone|"
    r"somebody|a\s+person|users)(?:\s+[\w']+){0,3}?\s+(?:{act}|{use_weak}))"
    r"|{how_much}(?:\s+{drug})?\s+(?:is|are|would\s+be)\s+(?:{seek}|too)"
    r"|{how_much}{gap6}(?:in\s+(?:one|a|an)\s+(?:night|day|evening|weekend|session|party|"
    r"sitting|go|row)|at\s+once|per\s+(?:night|day|week|month|weekend|session|party|dab|bump|"
    r"line|bomb|hit|hour|go|person|head))"
    r"|{timing}(?:\s+(?!after|before|since|while|from)[\w'.-]+){0,6}?\s+(?:{act}|{weak}{gap2}"
    r"{drugx}|(?:{amount}))"
    r"|{timing}\s+(?:can|should|could)\s+(?:{drug})\s+be\s+(?:used|taken)"
    r"|wie\s+lange\s+(?:warten|warte)|cuanto\s+(?:tiempo\s+)?(?:esperar|espero|espera)|"
    r"combien\s+de\s+temps\s+(?:j'?\s*)?attends|quanto\s+(?:tempo\s+)?aspetto|combien\s+de\s+temps\s+attendre|"
    r"quanto\s+(?:tempo\s+)?(?:esperar|aspettare)|how\s+long\s+(?:to|should\s+\w+)\s+wait|"
    r"dopo\s+quanto|despues\s+de\s+cuanto|apres\s+combien|nach\s+wie\s+lange"
    r"|{timing}\s+(?:{amount}|rolls?)"
    r"|{seek}(?:\s+(?!on|of|for|about|in|with|and|or|than|to|that|the)[\w'-]+)?\s+(?:{amount}|"
    r"amount|number\s+of\s+\w+)"
    r"|(?:what|what's|whats|which|tell\s+me|give\s+me)\s+(?:is\s+|are\s+|would\s+be\s+|"
    r"counts\s+as\s+)?(?:the\s+|a\s+|an\s+)?(?:\w+\s+)?{describe}{gap2}(?:{amount})"
    r"|(?:{amount})\s+(?:is|are|would\s+be|will\s+be|counts?\s+as|to\s+be)\s+(?:{seek})"
    r"|(?:tell|give|show|send|list)\s+(?:me|us)?\s*(?:the|a|some|your)?\s*(?:exact\s+|right\s+|"
    r"precise\s+|safe\s+|best\s+)?(?:{amount}|dosing\s+\w+|{how_much})"
    r"|(?:{amount}|{unit})\s+to\s+(?:take|use|give|dose|start\s+with|have)"

    r"|(?:is\s+it|it'?s|would\s+it\s+be|will\s+it\s+be)\s+(?:{judge})\s+to\s+(?:{act}|{weak}){gap4}"
    r"(?:{number}|{unit}|another|second|more|again|twice|extra|(?:a|one)\s+(?:pill|cap|tab|bean|"
    r"point|bump|line|half))"
    r"|(?:{modal}|is\s+it\s+(?:ok|okay|safe|fine))\s+(?:i|you|one|we|someone|people)\s+"
    r"(?:\w+\s+)?(?:redose|re-?dose|double[- ]?drop|top\s+up|stack|bump|re-?up)"
    r"|(?:^|so\s+|then\s+|ok\s+|and\s+)(?:redose|re-?up|top\s+up|bump)\b"
    r"|dosing\s+(?:schedule|chart|guide|regimen|plan|calculator|table)|dose\s+calculator")
AMOUNT_CHOICE = _rx(
    r"{choice}"
    r"|(?:is|are|would|will|be|'s)\s+(?:{number}|{unit}){gap2}(?:{judge}|too|much|many)"
    r"|(?:{unit}){gap6}(?:{judge}|too|or\s+\d+|a\s+lot)"
    r"|(?:{judge})(?:\s+[\w'-]+){0,3}?\s+(?:{unit})"
    r"|(?:{act}|{weak}|handle)\s+(?:all\s+|the\s+|both\s+|another\s+)?(?:{unit}|\d+(?![-\w]))")
FOLLOWUP_CUE = _rx(
    r"{for_person}|{my_dose}|{intent}|{prescribe}|{fiction}|{occasion}|{choice}|"
    r"(?:i|we|i'm)\s+(?:{modal}|{act}|good\s+to)|(?:should|can|could|would|will|may|must)\s+"
    r"(?:i|we|he|she|{other})|(?:and|what\s+about|how\s+about)\s+(?:me|mine|myself|us|him|her|"
    r"my\s+\w+)|(?:the|that)\s+(?:upper|lower|higher|smaller|bigger|middle|supplemental|"
    r"second)\s+one|middle\s+of\s+(?:that|the)|after\s+how\s+long|how\s+long\s+after|"
    r"\w+\s+it\s+is|good\s+to\s+(?:go|roll|take)|"
    r"(?:is|it'?s|that'?s|thats|would\s+be|are|be)\s+(?:that\s+|it\s+|this\s+|the\s+\w+\s+)?"
    r"(?:safe|ok|okay|fine|enough|too\s+much|too\s+many|a\s+lot|alright|right)|"
    r"(?:safe|ok|okay)\s+to|which\s+(?:end|one|of\s+(?:those|these|them))|(?:lower|higher|"
    r"low|high|top|bottom|upper)\s+end|the\s+max|that\s+much|double\s+that|just\s+(?:tell|"
    r"give|say)|roughly|approximately|ballpark|range\s+for|on\s+(?:{drug})|with\s+(?:{drug})\s+"
    r"on\s+board|{body}|(?:\d+)\s*(?:it\s+is|then)|so\s+\d+|y\s+para|et\s+pour|und\s+(?:bei|fur)|"
    r"e\s+(?:pra|para|per)|^\d+(?:[.,]\d+)?\s*(?:mg|pills?|caps?|tabs?)?\s*\??$")
# Praise words that judge an amount only when an amount is named ("the best festival").
LOOSE_JUDGE = {"good", "best", "right", "correct", "ideal", "optimal", "proper", "appropriate",
               "decent", "solid", "cool", "limit", "max", "maximum", "bien", "thoughts"}
SITUATION_ASK = _rx(r"risk|risky|harm|hurt|worry|problem|interact|can\s+(?:\w+\s+){0,3}?i|"
                    r"should\s+i|is\s+it|{number}|mdma|molly|ecstasy|xtc|mandy|e|pills?|beans|"
                    r"caps?|tabs?|taz|teile|doce|pasta|tacha|pastillas?|handle|pasticc\w*|"
                    r"pastill\w*|pastis|bala|ecsta|rula|devo|debo|dois|muss|soll")
# Task templates that ask for a dose: a YAML to fill, a spreadsheet column, a chart.
TEMPLATE = _rx(r"yaml|json|csv|table|spreadsheet|formula|column|row|fill|complete|blanks?|"
               r"field|template|chart|print|wallet|card|flyer|quiz|answer\s+key")
PAST_CONTEXT = _rx(r"last\s+(?:week|month|weekend|night|year|time)|yesterday|ago|felt|was|were|"
                   r"had|did")
# Spacing doses out: only a research frame ("between doses in the trials") lets it through.
SCHEDULE = _rx(r"(?:gap|wait|interval|time)\s+(?:[\w']+\s+){0,3}?between\s+(?:[\w']+\s+){0,3}?"
               r"(?:pills?|doses?|caps?|rolls?|tabs?|bumps?|lines?)")
FICTION_PERSON = _rx(r"i|me|my|we|us|he|she|someone|somebody|you|character|they|a\s+person|people")
MEDICINE_TAKEN = _rx(r"(?:take|takes|taking|took|on)\s+(?:my\s+|the\s+|an?\s+)?(?:{meds})")
FORWARD = _rx(r"should|can|could|will|would|next|tonight|tomorrow|again|plan|going\s+to|"
              r"want|need|start")
INFORMATIONAL_FOLLOWUP = _rx(r"why|what\s+is\s+(?:a|the)\s+booster|explain|mean|means")
SQUASHED_DOSE = re.compile(r"howmuch|howmany|whatdose|whichdose|dosage|redose|mgof|pills")
SQUASHED_SELF = re.compile(r"shouldi|cani|doi|wouldi|musti|forme|myfriend|shouldhe|"
                           r"shouldshe|shouldwe|canwe|itake|idrop|iroll")


RULES = ("override", "personal_use", "personal_dose", "situation", "occasion", "amount_choice",
         "dose_question", "framing", "spaced", "escalation")


@dataclass(frozen=True)
class Verdict:
    refuse: bool
    rule: str = ""  # the rule that decided, e.g. "personal_use"
    trigger: str = ""  # the words it matched, in canonical form
    turn: int = 0  # 0: the question itself; -n: the n-th earlier turn made it a dose question


ALLOW = Verdict(False)


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
    turns = [t for t in history or [] if isinstance(t, dict) and isinstance(t.get("content"), str)
             and t.get("role") in ("user", "assistant")]
    return _escalation(question, turns)


def judge(text: str) -> Verdict:
    """The verdict on one message, on its own."""
    for reading in readings(text):
        for rule, found in _matches(reading):
            return Verdict(True, rule, found)
    if _obfuscated(text) and (m := _squashed(canonical(text))):
        return Verdict(True, "spaced", m)
    return ALLOW


def _matches(text: str):
    """(rule, matched words) for each rule that matches `text`, in rule order."""
    found = {name: rx.search(text) for name, rx in C.items()}
    # "I take sertraline" is a situation, not the use of a drug the rules look for
    found["use"] = C["use"].search(MEDICINE_TAKEN.sub(" ", text))
    found["dosey"] = next((found[k] for k in ("amount", "how_much", "timing", "unit", "choice")
                           if found[k]), None)
    framed = _framed(text, found)
    if found["override"] and (found["dosey"] or found["my_dose"] or found["use"]):
        yield "override", (found["dosey"] or found["my_dose"] or found["use"]).group(0)
    yield from _personal(text, found, framed)
    if found["dosey"] and found["street"] and (m := TEMPLATE.search(text)):
        yield "dose_question", m.group(0)  # a YAML, a table, a flyer to fill with a dose
    if (m := SCHEDULE.search(text)) and not found["frame"]:
        yield "dose_question", m.group(0)
    why = re.match(r"(?:why|how\s+come)\b", text) and not (
        found["for_person"] or found["my_dose"] or found["self"])
    if not (framed or why):
        yield from _impersonal(text, found)


def _personal(text: str, found: dict, framed: bool):
    """The rules about a person: personal use, a dose for someone, a situation, an occasion."""
    dosey = found["dosey"]
    if m := PERSONAL_USE.search(MEDICINE_TAKEN.sub(" ", text)):
        yield "personal_use", m.group(0)
    if (m := PAST_USE.search(text)) and UNWELL.search(text):
        yield "personal_use", m.group(0)
    personal = _for_person(text, found) or found["my_dose"]
    looking_back = PAST_CONTEXT.search(text) and not (FORWARD.search(text) or dosey)
    if personal and not looking_back and (dosey or found["judge"] or found["use"]
                                          or found["intent"] or found["size"]):
        yield "personal_dose", personal.group(0)
    if m := PERSONAL_DOSE.search(text):
        yield "personal_dose", m.group(0)
    if found["prescribe"] and (dosey or found["drug"] or found["use"]):
        yield "personal_dose", found["prescribe"].group(0)
    asks_why = re.search(r"\bwhy\b", text) and not (dosey or found["judge"] or found["prescribe"])
    if found["body"] and (dosey or found["use"] or found["judge"] or found["prescribe"]
                          or found["use_foreign"] or SITUATION_ASK.search(text)) and not (
            (framed and not found["use"]) or asks_why):
        yield "situation", found["body"].group(0)
    person_use = found["use"] and not PAST_USE.search(text) and (found["self"] or found["other"])
    judged = any(m.group(0) not in LOOSE_JUDGE for m in C["judge"].finditer(text))
    why = re.match(r"(?:why|how\s+come)\b", text)
    if found["occasion"] and (dosey or judged or found["intent"] or person_use) and not (
            framed or why):
        yield "occasion", found["occasion"].group(0)


def _impersonal(text: str, found: dict):
    """The rules about doses in general, when no research or document frame covers them."""
    for rule, rx in (("amount_choice", AMOUNT_CHOICE), ("dose_question", DOSE_QUESTION)):
        if m := rx.search(text):
            yield rule, m.group(0)
    if found["fiction"] and found["dosey"] and (
            found["use"] or found["seek"] or found["for_person"] or found["my_dose"]
            or FICTION_PERSON.search(C["asking_me"].sub(" ", text))):
        yield "framing", found["fiction"].group(0)


def _for_person(text: str, found: dict):
    """"for me", "my friend"... unless it is inside a request for information."""
    match = found["for_person"]
    if match and any(m.start() < match.end() and match.start() < m.end()
                     for m in C["asking_me"].finditer(text)):
        return None  # "summarize it for me" asks for information, not for a dose
    return match


def _framed(text: str, found: dict) -> bool:
    """Is a dose question about research or the documents rather than about a person?"""
    consumer = (found["intent"] or found["occasion"] or found["my_dose"]
                or re.search(r"\b(?:me|my|mine|myself|we|us|our|he|him|his|she|her)\b",
                             C["asking_me"].sub(" ", text)) or C["other"].search(text))
    if consumer:
        return False
    seeking = DOSE_QUESTION.search(text) and found["seek"]
    return bool(found["frame"] or ((found["cited"] or found["population"]) and not seeking))


def _obfuscated(text: str) -> bool:
    """Does `text` look spaced out or run together, rather than written in words?"""
    tokens = re.findall(r"[^\W\d_]+", canonical(text))
    if not tokens:
        return False
    short = sum(len(t) <= 2 for t in tokens) / len(tokens)
    return short > 0.4 or max(map(len, tokens)) >= 16 or "_" in text


def _squashed(text: str) -> str:
    letters = re.sub(r"[^a-z]", "", text)
    dose, person = SQUASHED_DOSE.search(letters), SQUASHED_SELF.search(letters)
    return f"{dose.group(0)} … {person.group(0)}" if dose and person else ""


def _escalation(question: str, turns: list[dict]) -> Verdict:
    """Refuse a follow-up that makes a recent dose question (or a refused one) personal."""
    recent = turns[-4:]
    context = None
    for back, turn in enumerate(reversed(recent), start=1):
        text = canonical(turn["content"])
        if turn["role"] == "user" and judge(turn["content"]).refuse:
            context = -back
            break
        if C["amount"].search(text) or C["how_much"].search(text) or C["unit"].search(text) \
                or C["timing"].search(text) or DOSE_QUESTION.search(text):
            context = -back
            break
    if context is None:
        return ALLOW
    now = canonical(question)
    found = {name: rx.search(now) for name, rx in C.items()}
    if _framed(now, found) or (INFORMATIONAL_FOLLOWUP.search(now) and not (
            found["for_person"] or found["my_dose"] or found["intent"])):
        return ALLOW
    if cue := FOLLOWUP_CUE.search(now):
        return Verdict(True, "escalation", cue.group(0), context)
    return ALLOW
