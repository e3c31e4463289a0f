"""The safety policy: personal dosing and personal-use questions are refused before
retrieval. Public surface: `check(question, history) -> Verdict`, `Verdict`, `REFUSAL`
(the reply), `RULES` (the rule names), `canonical` and `readings` (how a question is
read), `drug_aliases()` (the drug's names, for retrieval). `check.py` reads
conversations, `rules.py` holds the rules, `readings.py` the ways a text is read,
`lexicon.py` loads the words from `lexicon.toml`.
"""

from app.policy.check import REFUSAL, RULES, Verdict, check
from app.policy.lexicon import drug_aliases
from app.policy.readings import canonical, readings

__all__ = ["REFUSAL", "RULES", "Verdict", "canonical", "check", "drug_aliases", "readings"]
