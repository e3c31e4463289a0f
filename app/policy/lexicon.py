"""The policy's words: `lexicon.toml` read once, and the regular expressions built from it.

`lexicon.toml` holds every word table of the policy as lists of regular-expression
alternatives: the drug's names, the reading tables (look-alike letters, leet,
misspellings), the concepts the rules search for, the pieces patterns are built
from, and the patterns themselves. `Lexicon.rx` fills the `{name}` placeholders of
a pattern and makes it match whole words only; `drug_aliases` gives retrieval the
drug's names.

This module does not read questions or decide anything (`readings.py` and `rules.py` do).

    >>> LEXICON.rx("{drug_names}").search("is molly safe").group(0)
    'molly'
    >>> drug_aliases()["molly"]
    'mdma'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")
PLACEHOLDER = re.compile(r"\{([a-z_]+\d?)\}")


def alternatives(items: list[str]) -> str:
    """A list of alternatives from the data file as one pattern.

    An alternative wrapped over lines is joined with the blanks around its lines dropped
    (a pattern never starts or ends with a blank):

    >>> alternatives(["dose", '''
    ...     dos
    ...     ing'''])
    'dose|dosing'
    """
    return "|".join("".join(line.strip() for line in item.splitlines()) for item in items)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per file read
class Lexicon:
    """The data file's tables; `rx` builds patterns from them."""

    data: dict
    named: dict[str, str] = field(init=False, repr=False)  # every {name}, as a pattern

    def __post_init__(self):
        drug = self.data["drug"]
        named = {"drug_names": alternatives([drug["name"], *drug["names"]]),
                 "drug_foreign": alternatives(drug["foreign"])}
        for table in ("pieces", "concepts"):
            named |= {k: alternatives(v) for k, v in self.data[table].items()}
        object.__setattr__(self, "named", named)

    @property
    def concepts(self) -> list[str]:
        """The concepts every reading is searched for, in order."""
        return list(self.data["concepts"])

    def pattern(self, name: str) -> str:
        """The `[patterns]` entry `name`, as one pattern with placeholders."""
        return alternatives(self.data["patterns"][name])

    def rx(self, pattern: str) -> re.Pattern:
        """`pattern` with {name} placeholders filled, matching whole words only.

        >>> LEXICON.rx("{self}").findall("me and my friend")
        ['me']
        """
        return re.compile(rf"(?<![\w'])(?:{self.fill(pattern)})(?![\w'])")

    def fill(self, pattern: str) -> str:
        """`pattern` with its {name} placeholders filled, as it is.

        >>> LEXICON.fill("{drug_foreign}")[:12]
        '(?:tacha|taz'
        """
        while PLACEHOLDER.search(pattern):
            pattern = PLACEHOLDER.sub(lambda m: f"(?:{self.named[m.group(1)]})", pattern)
        return pattern

    def drug_aliases(self) -> dict[str, str]:
        """Every name of the drug (slang, misspellings) -> its name, for retrieval."""
        drug = self.data["drug"]
        names = [*drug["names"], *drug["retrieval_only"]]
        names += [wrong for wrong, right in self.data["spelling"].items()
                  if right in names or right == drug["name"]]
        return {name: drug["name"] for name in names}


def load(path: Path = LEXICON_PATH) -> Lexicon:
    """The lexicon in the TOML file `path`."""
    with path.open("rb") as f:
        return Lexicon(tomllib.load(f))


LEXICON = load()


def drug_aliases() -> dict[str, str]:
    """The drug's names and slang (lower-case words) -> its name: retrieval's aliases.

    >>> sorted(drug_aliases())[:4]
    ['e', 'ecstacy', 'ecstasy', 'emdee']
    """
    return LEXICON.drug_aliases()


def risk_words() -> tuple[str, ...]:
    """Parts of words that make a document sentence a risk fact (`[harm]` in the data file).

    >>> "interact" in risk_words()
    True
    """
    return tuple(LEXICON.data["harm"]["risk"])


def guidance_words() -> tuple[str, ...]:
    """Parts of words that keep a document sentence out of a refusal's risk facts: dose
    guidance written in words (`[harm] exclude`).

    >>> "booster" in guidance_words()
    True
    """
    return tuple(LEXICON.data["harm"]["exclude"])
