"""The safety policy: crisis questions, personal dosing and unread languages are handled
before retrieval. Public surface: `check(question, history, vector=..., reader=...) ->
Verdict`, `Verdict`, `Reply` and `message(reply, language)` (the replies, in
`messages.toml`), `REFUSAL` (the English dosing refusal), `RULES` (what can decide),
`load_reader()` and `Reader` (the learned second reader, `reader.npz`), `reader_features`
and `reader_grams` (its rule and n-gram features, for training), `canonical` and `readings` (how a question is read),
`drug_aliases()` (the drug's names, for retrieval), `substances(text)` (the drugs and
medicines a text names, for the engine's subject check), `switches_topic(question)` (a question
that leaves the talk before it behind, for the engine's follow-ups), `risk_words()`, `guidance_words()` and
`has_figure` (for the refusal's cited risk facts), `dose_amount(text)` (an amount with a dose
unit, which no answer to a personal-use question quotes).
`check.py` decides, `rules.py` holds the rules, `readings.py` the ways a text is read,
`language.py` which language it is in, `lexicon.py` loads the words from `lexicon.toml`.
"""

from app.policy.check import RULES, Verdict, check, dose_amount, substances, switches_topic
from app.policy.lexicon import drug_aliases, guidance_words, risk_words
from app.policy.messages import Reply, message
from app.policy.reader import FEATURES, LABELS, Reader, load_reader
from app.policy.reader import features as reader_features
from app.policy.reader import grams as reader_grams
from app.policy.readings import canonical, has_figure, readings

REFUSAL = message(Reply.DOSING)

__all__ = ["FEATURES", "LABELS", "REFUSAL", "RULES", "Reader", "Reply", "Verdict", "canonical", "check",
           "dose_amount", "drug_aliases", "guidance_words", "has_figure", "load_reader", "message", "reader_features",
           "reader_grams", "readings", "risk_words", "substances", "switches_topic"]
