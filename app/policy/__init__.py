"""The safety policy: personal dosing and personal-use questions are refused before
retrieval. Public surface: `check(question, history) -> Verdict`, `Verdict`, `REFUSAL`
(the reply), `RULES` (the rule names), `canonical` and `readings` (how a question is
read). See `check.py` for the rules.
"""

from app.policy.check import REFUSAL, RULES, Verdict, canonical, check, readings

__all__ = ["REFUSAL", "RULES", "Verdict", "canonical", "check", "readings"]
