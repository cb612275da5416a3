"""Names every stage shares: the bots, their intent and action names, and the
outcomes the question log records.

The catalogue's ids become intents with these prefixes (`termi_kela`,
`tarve_asunto`); generation writes them, the bots decide with them, the log,
the inbox and the report read them back.
"""

from __future__ import annotations

BOTS = ("tero", "paavo")

TERM_INTENT_PREFIX = "termi_"
NEED_INTENT_PREFIX = "tarve_"
TERM_ACTION = "action_answer_term"
NEED_ACTION = "action_find_services"
# The safety check's intent and the action that answers it (both bots).
CRISIS_INTENT = "crisis"
CRISIS_ACTION = "action_crisis_reply"

# What the bot did with a message (question log `outcome`).
CRISIS = "crisis"  # routed to help by the safety check
ANSWERED = ("answer", "services")
UNHANDLED = ("suggest", "out_of_scope", "no_answer", "fallback")
NOT_QUESTIONS = ("feedback", "smalltalk")


def term_intent(term_id: str) -> str:
    return TERM_INTENT_PREFIX + term_id


def need_intent(need_id: str) -> str:
    return NEED_INTENT_PREFIX + need_id
