"""How the policy reads a text: one canonical form, and the texts hidden inside it.

`canonical(text)` normalizes Unicode (NFKC, then case folding, then NFKC again, so
every token is stable: "İ" does not split a word), drops invisible and blank
characters, maps look-alike letters to Latin, strips accents, joins spaced-out
letters and fixes common misspellings (tables in `lexicon.toml`). `readings(text)`
is that form, the de-leeted form, whatever base64, Base85, hex, Braille, Morse or A1Z26 inside it decodes
to, and the reversed, letter-shifted (ROT13, Caesar) or rail-fenced text when that reads as
words, and a text of vowel-less words naming the drug with its vowels put back.
Only the first `MAX_CHARS` characters of a text are read, a number's first 24
digits and a word's first `MAX_WORD` characters, so no pattern of the rules rescans
a long run.

This module does not know what the words mean (`rules.py` does).
"""

from __future__ import annotations

import base64
import itertools
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from app.policy.lexicon import LEXICON, Lexicon, alternatives

MAX_CHARS = 2000  # the engine's question limit: no question the policy judges is longer
MAX_WORD = 100  # the rules read words; a longer run is read up to this (but see `squashed`)

LATIN_NAME = re.compile(r"(?:(?:NEGATIVE )?(?:SQUARED|CIRCLED|PARENTHESIZED) )?"  # letter tiles: 🅷, 🅐
                        r"(?:LATIN|MODIFIER|REGIONAL INDICATOR SYMBOL)\b.*\bLETTER (?:SMALL CAPITAL "
                        r"|SMALL |CAPITAL )?([A-Z])(?: WITH .*)?")
BLANKS = re.compile("[\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5]")
# A token with leet characters in it. subtle: a match never starts after a letter or leet
# character (the one before would have started it), so the look-behind changes nothing but
# stops a long run of letters from being rescanned from each of its letters.
LEETY = re.compile(r"(?<![a-z0-9@$!|])[a-z]*+[0-9@$!|][a-z0-9@$!|]*")
LONG_NUMBER = re.compile(r"(\d{24})\d+")  # a number's first 24 digits are all a rule reads
WORD_OF_LETTERS = re.compile(r"[a-z0-9](?: [a-z0-9])+")
WORD_BREAK = re.compile(r"\b[a-z] [/|] [a-z]\b")  # words of spaced letters between slashes: "d o / n o t"
SPACED = re.compile(r"\b[a-z0-9@$]([ .\-_*·•+~])[a-z0-9@$](?:\1[a-z0-9@$]\b)+")  # "h o w", "d.o.s.e"
INNER_MARKS = re.compile(r"(?<=[a-z]{2})[.*_`~^|·•+]+(?=[a-z]{2})")  # "mo.lly", "do*se"
SPELL_PHRASES = re.compile(r"\b(?:2|to)\s+(much|many)\b")  # "2 much", "to many"
# A word spelled out in letter names joined by hyphens ("em-dee-em-ay"): three or more names.
LETTER_NAMES = dict(ay="a", bee="b", cee="c", see="c", dee="d", ee="e", ef="f", eff="f", gee="g", aitch="h",
                    eye="i", jay="j", kay="k", el="l", ell="l", em="m", en="n", oh="o", pee="p", cue="q",
                    ar="r", ess="s", tee="t", vee="v", ex="x", wye="y", zed="z", zee="z")
SPELLED = re.compile(rf"\b(?:{'|'.join(LETTER_NAMES)})(?:-(?:{'|'.join(LETTER_NAMES)})){{2,11}}\b")
# Number words a ROT13'd word may hide ("friragl" is "seventy"), beside the drug's names.
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
                "fifty sixty seventy eighty ninety hundred half quarter").split()
# The NATO spelling alphabet (and spoken digits): six or more of its words in a row, "/" (or a dash,
# a bar, or a radio's "break", "stop" or "space") between words.
NATO_CODE = dict(alfa="a", alpha="a", bravo="b", charlie="c", delta="d", echo="e", foxtrot="f", golf="g", hotel="h",
                 india="i", juliett="j", juliet="j", kilo="k", lima="l", mike="m", november="n", oscar="o", papa="p",
                 quebec="q", romeo="r", sierra="s", tango="t", uniform="u", victor="v", whiskey="w", whisky="w",
                 xray="x", yankee="y", zulu="z", zero="0", one="1", two="2", three="3", four="4", five="5",
                 six="6", seven="7", eight="8", nine="9", niner="9")
NATO_WORD = "|".join(sorted(NATO_CODE, key=len, reverse=True))
NATO_SEP = r"(?:[/|—–-]|\(?(?:break|stop|space)\)?)"
NATO = re.compile(rf"(?i)\b(?:{NATO_WORD})(?:[\s,]*+{NATO_SEP}?[\s,]*+(?:{NATO_WORD})\b){{5,}}")  # possessive: linear
NATO_BREAK = re.compile(rf"(?i){NATO_SEP}")
BINARY = re.compile(r"(?:[01]{8}\s?){4,}")
# bits hidden in invisible characters (zero-width space, non-joiner, joiner, word joiner, BOM):
# two of them are 0 and 1, a third, if any, parts the characters
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]{16,}")
URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}.*%[0-9A-Fa-f]{2}")
BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
BASE32 = re.compile(r"[A-Z2-7]{16,}={0,6}")
HEX = re.compile(r"(?:[0-9a-fA-F]{2}\s?){8,}")
# Base85 (Python's and git's alphabet) and Ascii85 (Adobe's, "<~...~>" optional): long runs with no blank.
BASE85 = re.compile(r"[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]{20,}")
ASCII85 = re.compile(r"(?:<~)?[!-u]{20,}(?:~>)?")
# Multi-tap, a phone keypad's texting code: a letter as its key pressed once to four times ("6 666" is
# "mo"), words parted by "_", "0", "/" or "|"; six or more groups in a row.
MULTITAP = re.compile(r"(?<![\w])(?:[2-9]{1,4}|[_0/|])(?:[ \t]+(?:[2-9]{1,4}|[_0/|])){5,}(?![\w])")
KEYPAD = dict(zip("23456789", ("abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz")))
MULTITAP_NAMED = re.compile(r"(?i)\b(?:multi-?tap|t9|keypad|phone\s+keys|texting\s+code|old\s+phones?)\b")
# A1Z26: letters as their places in the alphabet. A word's letters are joined by "-", ".", ","
# or "_" and words parted by blanks, "/", "|", ";" or a comma and a blank ("8-5-12-16 / 13-25" is
# "help my"), or, with no joiner, letters parted by blanks and words by "/", "|", ";", a comma and a
# blank, or two blanks ("8 5 12 16 / 13 25").
_PLACE = r"(?:2[0-6]|1\d|[1-9])(?!\d)"
A1Z26 = re.compile(rf"(?<![\d.,_–-]){_PLACE}(?:[-–.,_]{_PLACE}|\s*[/|;]\s*{_PLACE}|,[ \t]+{_PLACE}|[ \t]+{_PLACE})+")
# A cipher of letter places named ("a=1", "z=26", "letters are numbered"): any run is read; without
# one a run is read only when it reads as plain words, so dates ("11-13-19") and scores ("13-7") stay.
A1Z26_NAMED = re.compile(r"(?i)\b(?:a\s*=\s*1|z\s*=\s*26|a-?1-?z-?26|letters?\s+(?:are\s+)?numbered|"
                         r"numbers?\s+(?:are|as|for)\s+letters|(?:places?|positions?|order)\s+in\s+the\s+alphabet|"
                         r"alphabet(?:ical)?\s+(?:positions?|order|numbers?|index))")
OCTAL = re.compile(r"\b[0-7]{3}(?:[\s,]+[0-7]{3}){5,}\b")  # "150 157 167": character codes in octal
DECIMAL = re.compile(r"\b\d{2,3}(?:[\s,]+\d{2,3}){5,}\b")  # "104 111 119": in decimal
# ROT47: the printable ASCII characters from "!" to "~" rotated by 47 (a self-inverse, like ROT13).
ROT47 = str.maketrans("".join(map(chr, range(33, 127))), "".join(chr(33 + (c - 33 + 47) % 94) for c in range(33, 127)))
ROT47_SIGNS = frozenset("@>:<;=?[]{}|~^`")  # where ROT47 puts letters
ROT47_PART = re.compile(r"\s(?:->|<-|=>|<=|[—–-])\s|[\n\"“”«»]")  # a lead-in or a trailing ask around a ROT47 run
# Braille (grade 1): the cells of a-z, a blank cell as a space, ? . and ,; a number sign makes a-j the digits
# 1-0. Contracted (grade 2) Braille is not read.
BRAILLE = str.maketrans({**dict(zip("⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵⠀⠦⠲⠂", "abcdefghijklmnopqrstuvwxyz ?.,")),
                         "⠠": None})  # the capital sign is dropped
BRAILLE_NUMBER = re.compile("⠼([⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚]+)")
BRAILLE_DIGITS = str.maketrans("⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚", "1234567890")
ASCII_CONTROLS = dict.fromkeys(ch for ch in [*range(32), 127] if chr(ch) not in "\n\t")
MORSE = re.compile(r"[.\-]{1,6}(?:\s+(?:/\s+)?[.\-]{1,6}){5,}")
MORSE_CODE = dict(zip(
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- "
    ".-- -..- -.-- --.. ----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----.".split(),
    "abcdefghijklmnopqrstuvwxyz0123456789"))


def canonical(text: str, *, leet: bool = False, lexicon: Lexicon = LEXICON,
              max_word: int | None = MAX_WORD) -> str:
    """`text` as the rules read it.

    >>> canonical("Hоw MUCH m.d.m.a sh\\u200bould I  t a k e?")
    'how much mdma should i take?'
    >>> canonical("h0w mUch sh0uld 1 t4ke", leet=True)
    'how much should i take'
    """
    return _canonical(text[:MAX_CHARS], leet, lexicon, max_word)


@lru_cache(maxsize=512)  # the policy reads one question several times: once is enough
def _canonical(text: str, leet: bool, lexicon: Lexicon, max_word: int | None) -> str:
    tables = _tables(lexicon)
    text = _spelled_text(text, leet, tables)
    for pattern, plain in tables.everyday:  # a pill-shaped button, cinnamon rolls: not the drug
        text = pattern.sub(plain, text)
    text = LONG_NUMBER.sub(r"\1", text)  # subtle: the number patterns backtrack over a long run
    if max_word:  # subtle: "a number, a word, then 'or'" rescans a long word from each character
        return " ".join(word[:max_word] for word in text.split())
    return " ".join(text.split())


def _spelled_text(text: str, leet: bool, tables: _Tables) -> str:
    """`text` folded, joined and spelled as the rules read it, before the everyday senses."""
    text = _folded(text[:MAX_CHARS], tables)
    text = _join_spaced(re.sub(r"[^\S ]+", "  ", text))
    text = re.sub(r"(?<=[a-z]{2})_(?=[a-z]{2})", " ", text)  # "user_weight_kg", not "h_o_w"
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # quote marks, not "i'm" or "don't"
    if leet:
        text = LEETY.sub(lambda m: _unleet(m, tables.leet), text)
    text = INNER_MARKS.sub("", text)
    text = SPELL_PHRASES.sub(r"too \1", text)
    text = SPELLED.sub(lambda m: "".join(LETTER_NAMES[n] for n in m.group(0).split("-")), text)
    text = re.sub(r"[\w'?]+", lambda m: _spelled(m, tables), text)
    return tables.named.sub(r"\1someone", text)  # "my daughter molly" is a person


def senses(text: str, *, lexicon: Lexicon = LEXICON) -> dict[str, str]:
    """The words `text` uses in an everyday sense (`everyday` in `lexicon.toml`), each with the
    word it reads them as: a talk of molly fish makes "my molly" a fish in the next question.
    Only a sense that swaps one word for one word is given.

    >>> senses("Are molly fish livebearers?"), senses("How much molly?")
    ({'molly': 'fish'}, {})
    """
    return dict(_senses(text[:MAX_CHARS], lexicon))


@lru_cache(maxsize=256)  # a conversation's turns are read again with each question
def _senses(text: str, lexicon: Lexicon) -> tuple[tuple[str, str], ...]:
    tables = _tables(lexicon)
    text = _spelled_text(text, False, tables)
    found: dict[str, str] = {}
    for pattern, plain in tables.everyday:
        for m in pattern.finditer(text):
            said, meant = m.group(0).split(), m.expand(plain).split()
            gone, new = [w for w in said if w not in meant], [w for w in meant if w not in said]
            if len(gone) == 1 and len(new) == 1:
                found.setdefault(gone[0], new[0])
        text = pattern.sub(plain, text)
    return tuple(found.items())


def _spelled(m: re.Match, tables: _Tables) -> str:
    """The word `m` matched, its misspelling fixed; one that is a word of another language the
    rules read (`english_spelling`) only when one of the two words each side of it is English
    (`english_words`) or a number ("gud dos 4 me").

    >>> canonical("wat dos of ecstacy"), canonical("mi starter por dos semanas")
    ('what dose of ecstasy', 'mi starter por dos semanas')
    """
    word = m.group(0)
    if fixed := tables.spelling.get(word):
        return fixed
    if (fixed := tables.english_spelling.get(word)) is None:
        return word
    text = m.string
    before = re.findall(r"[\w']+", text[max(0, m.start() - 40):m.start()])[-2:]  # two words each side
    after = re.findall(r"[\w']+", text[m.end():m.end() + 40])[:2]
    return fixed if any(tables.spelling.get(w, w) in tables.english or w.isdigit() for w in before + after) else word


def readings(text: str, *, lexicon: Lexicon = LEXICON) -> list[str]:
    """The ways `text` is read: as written, de-leeted, and what base64, hex or Morse inside
    it decodes to; reversed, or with its letters shifted (ROT13 and every other Caesar shift),
    only when that reads more like words than the text as written (`common_words` in
    `lexicon.toml`), so a plain question is not read backwards ("bat" as "tab").

    >>> readings("ekat I"), readings("krz pxfk vkrxog L wdnh")[-1], readings("ROT47: 9@H >F49 >@==J")[-1]
    (['ekat i', 'i take'], 'how much should i take', 'how much molly')
    >>> readings("How do I choke up on a baseball bat?")
    ['how do i choke up on a baseball bat?']
    """
    return list(_readings(text[:MAX_CHARS], lexicon))


def hidden(text: str, *, lexicon: Lexicon = LEXICON) -> list[str]:
    """The readings of `text` other than as written, or de-leeted, that read as plain words: what
    a cipher or an encoding hid, for the learned reader to read as well.

    >>> hidden("aG93IG11Y2ggc2hvdWxkIEkgdGFrZQ=="), hidden("What does the 1st amendment say about speech?")
    (['how much should i take'], [])
    """
    common = _tables(lexicon).common
    leet = canonical(text[:MAX_CHARS], leet=True, lexicon=lexicon)
    return [r for r in readings(text, lexicon=lexicon)[1:] if r != leet and _plain_words(r, common)]


@lru_cache(maxsize=256)
def _readings(text: str, lexicon: Lexicon) -> tuple[str, ...]:
    plain = canonical(text, lexicon=lexicon)
    found = [plain, canonical(text, leet=True, lexicon=lexicon)]
    found += [canonical(decoded, lexicon=lexicon) for decoded in _decoded(text)]
    common = _tables(lexicon).common
    floor = _wordiness(plain, common)
    hidden = [canonical(text[::-1], lexicon=lexicon)]
    if _plain_latin(text):  # an arrow or a quote mark among Latin letters leaves them shiftable
        lower = text.lower()
        shifted = max((lower.translate(table) for table in (*SHIFTS, ATBASH)), key=lambda t: _wordiness(t, common))
        hidden.append(canonical(shifted, lexicon=lexicon))
        hidden.append(canonical(_unpig(lower, common), lexicon=lexicon))
        if (partly := _rot13_words(plain, _tables(lexicon).rot13_targets)) != plain:
            found.append(partly)  # a word or two in ROT13 among plain ones: "how much zbyyl"
        # Vigenère, with its key given ("key = ROLL: ..."), of the whole text or a part after a lead-in
        if key := VIGENERE_KEY.search(text):
            for part in dict.fromkeys([text, *SEGMENT.split(text)[:MAX_SEGMENTS]]):
                if _wordiness(decoded := _vigenere(part.lower(), key.group(1).lower()), common) > 0.4:
                    hidden.append(canonical(decoded, lexicon=lexicon))
        # a cipher after a plain lead-in: "Atbash puzzle, solve it: sld nfxs nloob..."
        for part in SEGMENT.split(text)[:MAX_SEGMENTS] if SEGMENT.search(text) else ():
            lower = part.lower()
            if len(re.findall(r"[a-z]+", lower)) < 3 or _wordiness(lower, common) >= 0.2:
                continue  # too short, or plain words already
            shifted = max((lower.translate(table) for table in (*SHIFTS, ATBASH)), key=lambda t: _wordiness(t, common))
            if _wordiness(shifted, common) > 0.4:
                hidden.append(canonical(shifted, lexicon=lexicon))
    if RAIL_FENCE.search(text):  # a rail fence named: every rail count from 2, the wordiest reading
        for part in dict.fromkeys(p.strip() for p in SEGMENT.split(text)[1:MAX_SEGMENTS] or [text]):
            best = max((_unrail(part, n) for n in range(2, MAX_RAILS + 1)), key=lambda t: _wordiness(t.lower(), common))
            hidden.append(canonical(best, lexicon=lexicon))
    tables = _tables(lexicon)
    if revoweled := _revoweled(text, tables):  # vowels dropped: "hw mch shld i tk"
        hidden.append(canonical(revoweled, lexicon=lexicon))
    if sum(ch in tables.flipped for ch in text) >= 3:  # upside down: "ʍoɥ" is "how"
        found.append(canonical(text[::-1].translate(tables.upside_down), lexicon=lexicon))
    if asked := ACROSTIC.search(text):  # "read the first letter of each word": the letters run together
        if "line" in asked.group(0).lower():  # of each line after the one that asks
            runs = ["".join(m.group(0) for line in text[asked.end():].splitlines()[1:]
                            if (m := re.search(r"[^\W\d_]", line)))]
        else:
            runs = ["".join(w[0] for w in re.findall(r"[^\W\d_]+", part))
                    for part in SEGMENT.split(text)[1:MAX_SEGMENTS] or [text]]
        found += [run.lower() for run in dict.fromkeys(runs) if len(run) >= 8]
    if (partly := _base64_words(text)) != text:
        found.append(canonical(partly, lexicon=lexicon))  # a word or two in base64: "how much TURNQQ=="
    if (partly := _letter_places(text, common)) != text:
        found.append(canonical(partly, lexicon=lexicon))  # A1Z26: "how much 13-4-13-1"
    if (partly := _multitap(text, common)) != text:
        found.append(canonical(partly, lexicon=lexicon))  # a phone keypad's code: "6 666 555 555 999"
    # and never from gibberish: at least a fifth of a hidden reading's words are common words
    found += [reading for reading in hidden if _wordiness(reading, common) > max(floor, 0.2)]
    # ROT47, of the whole text or of what follows a lead-in and a colon: when most words are common
    # (tested before it is read canonically, so a plain question costs two translations, not two readings);
    # among many signs (ROT47 moves letters to them: "w@H >F49"), also of each part after a lead-in or
    # before a trailing ask ("rot47 -> w@H ... <- decode"), when two in five words are common
    rotated = [part.translate(ROT47).lower() for part in dict.fromkeys((text, text.partition(": ")[2])) if part]
    found += [canonical(r, lexicon=lexicon) for r in rotated if _plain_words(r, common)]
    if sum(ch in ROT47_SIGNS for ch in text) >= 4 and len(parts := ROT47_PART.split(text)) > 1:
        rotated = [part.translate(ROT47).lower() for part in dict.fromkeys(parts[:MAX_SEGMENTS])]
        found += [canonical(r, lexicon=lexicon) for r in rotated if _wordiness(r, common) > 0.4]
    return tuple(dict.fromkeys(found))


# The 25 Caesar shifts of the lower-case letters (13 is ROT13).
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SHIFTS = [str.maketrans(LETTERS, LETTERS[k:] + LETTERS[:k]) for k in range(1, 26)]
ROT13 = SHIFTS[12]
ATBASH = str.maketrans(LETTERS, LETTERS[::-1])  # the alphabet reversed: a<->z, b<->y
# The parts of a text a cipher may sit in after a plain lead-in: after a colon, a quote mark or a dash.
SEGMENT = re.compile(r"[:\n\"“”«»]|\s[—–-]\s")
MAX_SEGMENTS = 8
# An acrostic asked to be read: "the first letter of each word", "the initial letters of every line".
ACROSTIC = re.compile(r"(?i)\b(?:first|initial|starting|opening)\s+letters?\s+of\s+"
                      r"(?:each|every|all\s+the)\s+(?:word|line|sentence)s?\b")
VOWELS = str.maketrans("", "", "aeiou")
# A rail fence cipher named with the text: "rail fence, 3 rails", "railfence".
RAIL_FENCE = re.compile(r"(?i)\brail[- ]?fence")
MAX_RAILS = 8
# A Vigenère key given with the text: "key = ROLL", "keyword: lemon", "the key is sun".
VIGENERE_KEY = re.compile(r"(?i)\bkey(?:word)?(?:\s*[:=]\s*|\s+is\s+|\s+)[\"'“‘«]?([a-z]{2,16})\b[\"'”’»]?")


def _vigenere(text: str, key: str) -> str:
    """`text` deciphered with the Vigenère `key` (the key steps on each letter, not on blanks).

    >>> _vigenere("rijvs uyvjn", "key")
    'hello world'
    """
    shifts = [ord(k) - 97 for k in key]
    out, i = [], 0
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 - shifts[i % len(shifts)]) % 26 + 97))
            i += 1
        else:
            out.append(ch)
    return "".join(out)


def _unrail(text: str, rails: int) -> str:
    """`text` read back from a rail fence of `rails` rails (written in a zigzag, read rail by rail).

    >>> _unrail("horel ollwd", 3)
    'hello world'
    """
    cycle = 2 * rails - 2
    order = sorted(range(len(text)), key=lambda i: (min(i % cycle, cycle - i % cycle), i))
    out = [""] * len(text)
    for ch, i in zip(text, order):
        out[i] = ch
    return "".join(out)


def _plain_latin(text: str) -> bool:
    """Are (nearly) all the letters of `text` plain Latin ones (a cipher may sit after "→")?"""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isascii() for ch in letters) >= 0.95 * len(letters)


def _wordiness(text: str, common: frozenset[str]) -> float:
    """The share of the words of `text` that are common words."""
    words = re.findall(r"[a-z]+", text)
    return sum(w in common for w in words) / len(words) if words else 0.0


def _plain_words(text: str, common: frozenset[str]) -> bool:
    """Is `text` plain words: hardly a symbol, and three or more words of three letters or more,
    at least half of them common words? (Short pieces do not count: a rotated text is full of them.)

    >>> _plain_words("how much molly should i take", _tables(LEXICON).common)
    True
    >>> _plain_words("s@ x 92g6 e@ de2j @? de2e:?d 7@c6g6c", _tables(LEXICON).common)
    False
    """
    words = re.findall(r"[a-z]{3,}", text)
    symbols = sum(not (ch.isalnum() or ch.isspace() or ch in ".,?!'-") for ch in text)
    return symbols <= 0.03 * len(text) and len(words) >= 3 and sum(w in common for w in words) >= 0.5 * len(words)


def _folded(text: str, tables: _Tables) -> str:
    """`text` in Latin letters without marks, case-folded; folding it again changes nothing.

    >>> _folded("İSTANBUL'da Straße ΣΟΦΟΣ σοφος", _tables(LEXICON))  # Greek O looks Latin
    "istanbul'da strasse σoφoσ σoφoσ"
    """
    if text.isascii():
        return text.translate(ASCII_CONTROLS).lower()  # the same, without a pass per character
    text = BLANKS.sub(" ", unicodedata.normalize("NFKC", text))
    text = _unmarked("".join(map(_latin, text)).translate(tables.homoglyphs))
    text = text.replace("ß", "ss").replace("\u2019", "'").replace("\u2018", "'").casefold()
    # subtle: folding can bring back marks ("İ" folds to "i" and a combining dot)
    return _unmarked(unicodedata.normalize("NFKC", text)) if not text.isascii() else text


def _unmarked(text: str) -> str:
    """`text` without combining marks, format and control characters (but newlines and tabs)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) not in ("Mn", "Me", "Cf", "Cc") or ch in "\n\t")


class _Tables:
    def __init__(self, lexicon: Lexicon):
        reading = lexicon.data["reading"]
        self.homoglyphs = str.maketrans(reading["homoglyphs"], reading["latin"])
        self.upside_down = str.maketrans(reading["upside_down"], reading["upright"])
        self.flipped = frozenset(reading["flipped"])
        self.leet = str.maketrans(reading["leet"], reading["unleet"])
        self.spelling = lexicon.data["spelling"]
        self.english_spelling = lexicon.data.get("english_spelling", {})
        self.english = frozenset(reading["common_words"].split()) | frozenset(reading.get("english_words", "").split())
        self.common = frozenset(reading["short_words"].split()) | frozenset(reading["common_words"].split())
        self.named = re.compile(rf"\b((?:{'|'.join(reading['name_cues'])}),?\s+)(?:{'|'.join(reading['names'])})\b")
        # a pattern wrapped over lines is one pattern, its lines' blanks dropped (as `alternatives` reads
        # them), its {piece} placeholders filled
        self.everyday = [(re.compile(lexicon.fill(alternatives([pattern]))), plain)
                         for pattern, plain in reading["everyday"]]
        drugs = lexicon.data["drug"]
        # ... not one whose ROT13 is a common word itself ("bar" is no ROT13 "one")
        targets = [drugs["name"], *drugs["names"], *NUMBER_WORDS]
        self.rot13_targets = frozenset(w for w in targets if w.translate(ROT13) not in self.common) - frozenset(
            reading["short_words"].split())
        # each common word by its consonants ("shld": "should"), the first listed winning ("tk": "take")
        self.drugs = frozenset([drugs["name"], *drugs["names"]])
        self.vowelless: dict[str, str] = {}
        for word in [*reading["common_words"].split(), *drugs["names"], *NUMBER_WORDS, *reading["short_words"].split()]:
            if (bare := _bare(word)) and word.isalpha():
                self.vowelless.setdefault(bare, word)


@lru_cache(maxsize=8)
def _tables(lexicon: Lexicon) -> _Tables:
    return _Tables(lexicon)


@lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """A stylized Latin letter (small capital, regional indicator...) as the plain letter."""
    if ch.isascii() or not (ch.isalpha() or unicodedata.category(ch) == "So"):
        return ch
    m = LATIN_NAME.fullmatch(unicodedata.name(ch, ""))
    return m.group(1).lower() if m else ch


def _join_spaced(text: str) -> str:
    """Spaced-out letters joined.

    >>> _join_spaced("h o w  m u c h"), _join_spaced("i  w a n t  t o  g o"), _join_spaced("i / d o / n o t")
    ('how much', 'i want to go', 'i do not')
    """
    def join(m: re.Match) -> str:
        run = m.group(0)
        lead = run[:2] if run[:2] in ("i ", "a ") and len(run) > 7 else ""  # "i t a k e"
        return lead + re.sub(r"[ .\-_*·•+~]", "", run[len(lead):])
    slashed = len(WORD_BREAK.findall(text)) >= 2  # "i / d o / n o t": the slashes are the blanks
    parts = re.split(r"( {2,}| ?[/|] ?)", text) if "  " in text or slashed else [text]
    # between double blanks, a part of single letters is one word, however short ("t o", "u p")
    return "".join(" " if p.isspace() or (slashed and i % 2) else p.replace(" ", "") if WORD_OF_LETTERS.fullmatch(p)
                   else SPACED.sub(join, p) for i, p in enumerate(parts))


def _bare(word: str) -> str:
    """`word` without its vowels (y is kept).

    >>> _bare("should"), _bare("my")
    ('shld', 'my')
    """
    return word.translate(VOWELS)


def _revoweled(text: str, tables: _Tables) -> str:
    """`text` with its vowels put back, when most of its words have none and one of them is the
    drug's name ("hw mch mdm shld tk": "how much mdma should take"): each word read as the
    first common word with its consonants; else "".

    >>> _revoweled("hw mch mdm shld tk fr my frst tm", _tables(LEXICON))
    'how much mdma should take for my first time'
    >>> _revoweled("Why try my gym rhythm?", _tables(LEXICON)), _revoweled("wht sz shld I tk", _tables(LEXICON))
    ('', '')
    """
    found = re.findall(r"[a-z]+", text.lower())
    if len([w for w in found if len(w) > 1]) < 4 or sum(w != _bare(w) for w in found) > 0.3 * len(found):
        return ""
    revoweled = re.sub(r"[a-z]+", lambda m: tables.vowelless.get(m.group(0), m.group(0)), text.lower())
    # texting without vowels ("wht sz shld I tk") is no hiding: only a drug's name makes it one
    return revoweled if tables.drugs & set(re.findall(r"[a-z]+", revoweled)) else ""


def _unleet(m: re.Match, table: dict) -> str:
    token = m.group(0)
    if re.fullmatch(r"\d+(?:[.,]\d+)?(?:mg|g|kg|x)?", token) and token not in ("1", "0"):
        return token  # a real number
    return token.translate(table)


def _unpig(text: str, common: frozenset[str]) -> str:
    """`text` out of pig latin, when most of its words end in "ay", or four in a row do (a
    plain-English aside after it): "owhay uchmay" -> "how
    much". A word's closing consonants go back in front, as many as make a common word
    (else one); "ay" or "way" after a vowel-initial word drops. Otherwise `text` as it is.

    >>> _unpig("owhay uchmay ouldshay iway aketay", _tables(LEXICON).common)
    'how much should i take'
    """
    words = re.findall(r"[a-z]+|[^a-z]+", text)
    letters = [w for w in words if w.isalpha()]
    pig = [w.endswith("ay") and len(w) > 2 for w in letters]
    run = max((len(r) for r in "".join("p" if x else " " for x in pig).split()), default=0)
    if len(letters) < 2 or (sum(pig) * 2 < len(letters) and run < 4):  # most words, or four in a row
        return text

    def word(w: str) -> str:
        if not (w.isalpha() and w.endswith("ay") and len(w) > 2):
            return w
        stem = w[:-2]
        tail = len(stem) - len(stem.rstrip("bcdfghjklmnpqrstvwxz"))
        options = [stem[-k:] + stem[:-k] for k in range(1, min(tail, 3) + 1) if k < len(stem)]
        if stem[0] in "aeiou":
            options += [stem[:-1]] if stem.endswith("w") else []
            options.append(stem)
        return next((o for o in options if o in common), options[0] if options else stem)

    return "".join(map(word, words))


def _rot13_words(text: str, targets: frozenset[str]) -> str:
    """`text` with each word whose ROT13 is one of `targets` (the drug's names, number words)
    read as that word.

    >>> _rot13_words("how much zbyyl for friragl kg", frozenset({"molly", "seventy"}))
    'how much molly for seventy kg'
    """
    return re.sub(r"[a-z]{3,}", lambda m: w if (w := m.group(0).translate(ROT13)) in targets
                  else m.group(0), text)


# A word that may be base64: a digit, padding or a capital after a small letter, which words lack.
BASE64_WORD = re.compile(r"(?<![\w+/=])(?=[A-Za-z0-9+/]*(?:\d|=|[a-z][A-Z]))[A-Za-z0-9+/]{6,15}={0,2}(?![\w+/=])")


def _base64_words(text: str) -> str:
    """`text` with each short run that base64-decodes to letters read as what it decodes to.

    >>> _base64_words("how much TURNQQ== should I take, and when to cmVkb3Nl?")
    'how much MDMA should I take, and when to redose?'
    >>> _base64_words("Is iPhone15 or MacBook the better buy?")
    'Is iPhone15 or MacBook the better buy?'
    """
    def word(m: re.Match) -> str:
        run = m.group(0)
        core = run.rstrip("=")
        try:
            decoded = base64.b64decode(core + "=" * (-len(core) % 4), validate=True).decode("ascii")
        except (ValueError, UnicodeDecodeError):
            return run
        return decoded if re.fullmatch(r"[A-Za-z][A-Za-z -]{2,}", decoded) else run

    return BASE64_WORD.sub(word, text)


def _letter_places(text: str, common: frozenset[str]) -> str:
    """`text` with each run of A1Z26 (letters as their places in the alphabet) read as its words:
    any run when the text names the cipher, else a run that reads as plain words (`_plain_words`).

    >>> common = _tables(LEXICON).common
    >>> _letter_places("a good first-time amount of 13-4-13-1? (a=1, b=2)", common)
    'a good first-time amount of mdma? (a=1, b=2)'
    >>> _letter_places("8-15-23 13-21-3-8 9 19-8-15-21-12-4 20-1-11-5", common)
    'how much i should take'
    >>> _letter_places("A=1: 8 5 12 16 / 13 25 / 6 18 9 5 14 4", common)
    'A=1: help my friend'
    >>> _letter_places("dates 11-13-19 / 11-20-19, scores 13-7 13-7", common)
    'dates 11-13-19 / 11-20-19, scores 13-7 13-7'
    >>> _letter_places("9 / 23-1-14-20 / 20-15 / 4-9-5", common), _letter_places("13-5 / 13-5 / 13-9", common)
    ('i want to die', '13-5 / 13-5 / 13-9')
    """
    named = A1Z26_NAMED.search(text)

    def words(m: re.Match) -> str:
        run = m.group(0)
        joined = re.search(r"\d[-–.,_]\d", run)
        parts = re.split(r"\s*[/|;]\s*|,\s+|\s+" if joined else r"\s*[/|;]\s*|,\s+|\s{2,}", run)
        decoded = " ".join("".join(chr(96 + int(n)) for n in re.findall(r"\d+", part)) for part in parts)
        found = decoded.split()
        # "i want to die" is plain too: short words, most of them common, one of three letters or more
        short = len(found) >= 3 and _wordiness(decoded, common) >= 0.5 and any(
            len(w) >= 3 and w in common for w in found)
        if (named and len(re.findall(r"\d+", run)) >= 3) or _plain_words(decoded, common) or short:
            return decoded
        return run

    return A1Z26.sub(words, text)


def _multitap(text: str, common: frozenset[str]) -> str:
    """`text` with each run of multi-tap (a phone keypad's texting code) read as its words: any
    run when the text names the code, else one that reads as plain words.

    >>> common = _tables(LEXICON).common
    >>> _multitap("decode: 44 666 9 _ 6 88 222 44 _ 7777 44 666 88 555 3 _ 444 _ 8 2 55 33", common)
    'decode: how much should i take'
    >>> _multitap("PIN 2 4 6 8 9 3, then 5 5 5", common)
    'PIN 2 4 6 8 9 3, then 5 5 5'
    """
    named = MULTITAP_NAMED.search(text)

    def words(m: re.Match) -> str:
        run = m.group(0)
        groups = run.split()
        if any(g[0] in KEYPAD and (len(set(g)) > 1 or len(g) > len(KEYPAD[g[0]])) for g in groups):
            return run  # not one key pressed over and over
        decoded = "".join(KEYPAD[g[0]][len(g) - 1] if g[0] in KEYPAD else " " for g in groups)
        decoded = " ".join(decoded.split())
        return decoded if (named and len(decoded) >= 4) or _plain_words(decoded, common) else run

    return MULTITAP.sub(words, text)


def _ascii85(run: str) -> bytes:
    """Ascii85 decoded, Adobe's "<~" and "~>" around it or not (base64's `a85decode` takes one
    form at a time)."""
    return base64.a85decode(run, adobe=run.startswith("<~") and run.endswith("~>"))


def _decoded(text: str) -> list[str]:
    """Text hidden in base64, base32, Base85, Ascii85, hex, binary, octal or decimal character codes, Braille,
    Morse, the NATO alphabet or bits in zero-width characters inside `text`.

    >>> _decoded("aG93IG11Y2ggc2hvdWxkIEkgdGFrZQ==")[0], _decoded("NBXXOIDNOVRWQIDUN4QHIYLLMU======")
    ('how much should I take', ['how much to take'])
    >>> _decoded("Hotel Oscar Whiskey / Mike Uniform Charlie Hotel"), _decoded("Mike Golf — Four Zero — Kilo Golf")
    (['how much'], ['mg 40 kg'])
    >>> _decoded("150 157 167 040 155 165 143 150"), _decoded("104 111 119 32 109 117 99 104")
    (['how much'], ['how much'])
    >>> _decoded("⠓⠕⠺ ⠍⠥⠉⠓ ⠼⠁⠚⠚ ⠍⠛?")
    ['how much 100 mg?']
    """
    out = [unquote(text)] if URL_ESCAPE.search(text) else []  # "how%20much%20molly"
    for run in BASE64.findall(text):
        try:
            out.append(base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode())
        except (ValueError, UnicodeDecodeError):
            pass
    for run in BASE32.findall(text):
        try:
            core = run.rstrip("=")
            decoded = base64.b32decode(core + "=" * (-len(core) % 8)).decode("ascii")
            if decoded.isprintable():
                out.append(decoded)
        except (ValueError, UnicodeDecodeError):
            pass
    for pattern, decode in ((BASE85, base64.b85decode), (ASCII85, _ascii85)):
        for run in pattern.findall(text):
            try:
                decoded = decode(run).decode("ascii")
            except (ValueError, UnicodeDecodeError):
                continue
            if decoded.isprintable() and sum(ch.isalpha() or ch == " " for ch in decoded) >= 0.8 * len(decoded):
                out.append(decoded)
    for run in HEX.findall(text):
        try:
            out.append(bytes.fromhex(re.sub(r"\s", "", run)).decode())
        except (ValueError, UnicodeDecodeError):
            pass
    for pattern, base in ((OCTAL, 8), (DECIMAL, 10)):
        for run in pattern.findall(text):
            codes = [int(code, base) for code in re.findall(r"\d+", run)]
            decoded = "".join(chr(code) for code in codes if 32 <= code < 127)
            if len(decoded) == len(codes) and sum(ch.isalpha() or ch == " " for ch in decoded) >= 0.8 * len(decoded):
                out.append(decoded)
    for run in BINARY.findall(text):
        try:
            out.append(bytes(int(b, 2) for b in run.split()).decode())
        except (ValueError, UnicodeDecodeError):
            pass
    for run in ZERO_WIDTH.findall(text):
        out += _zero_width(run)
    for run in NATO.findall(text):
        words = [[NATO_CODE[w.lower()] for w in re.findall(r"[A-Za-z]+", group)] for group in NATO_BREAK.split(run)]
        if sum(ch.isalpha() for group in words for ch in group) >= 4:  # "one two three..." alone is counting
            out.append(" ".join("".join(group) for group in words))
    if sum("\u2800" < ch <= "\u28ff" for ch in text) >= 4:  # "⠓⠕⠺ ⠍⠥⠉⠓"
        digits = BRAILLE_NUMBER.sub(lambda m: m.group(1).translate(BRAILLE_DIGITS), text)
        out.append(digits.translate(BRAILLE))
    for run in MORSE.findall(text):
        out.append(" ".join("".join(MORSE_CODE.get(c, "") for c in word.split())
                            for word in re.split(r"\s*/\s*", run)))
    return [t for t in out if t and t != text]


def _zero_width(run: str) -> list[str]:
    """What a run of zero-width characters spells as bits: each way of reading two of its
    characters as 0 and 1 (and a third as the break between characters, or none, eight bits
    each) that gives printable text of mostly letters. No other stego scheme is read.

    >>> bits = ["".join("\u200c" if b == "1" else "\u200b" for b in f"{ord(ch):08b}") for ch in "how much"]
    >>> _zero_width("\u200d".join(bits))
    ['how much']
    """
    found = []
    for zero, one in itertools.permutations(dict.fromkeys(run), 2):
        rest = [ch for ch in dict.fromkeys(run) if ch not in (zero, one)]
        if len(rest) > 1:
            continue
        bits = run.translate({ord(zero): "0", ord(one): "1"})
        groups = bits.split(rest[0]) if rest else re.findall(r".{8}", bits)
        if not all(g and len(g) <= 8 and set(g) <= {"0", "1"} for g in groups):
            continue
        decoded = "".join(chr(int(g, 2)) for g in groups)
        if decoded.isprintable() and sum(ch.isalpha() or ch == " " for ch in decoded) >= 0.8 * len(decoded):
            found.append(decoded)
    return found


FIGURE = re.compile(r"\d")


def has_figure(text: str) -> bool:
    """Does `text` hold a figure (any digit: an amount, a range, a time)? A refusal's cited
    risk sentences hold none.

    >>> has_figure("Doses of 75–125 mg were used."), has_figure("It can cause hyponatremia.")
    (True, False)
    """
    return bool(FIGURE.search(text))
