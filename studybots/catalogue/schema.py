"""What each catalogue table must look like.

The schema is data, not code paths: a table is a list of columns, each with a
kind (text, url, date, integer range, code from a code list, reference to
another table). Validation and loading both read it, so a new column is
declared once. Multi-valued cells are separated by ';'.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# The languages a catalogue can be written in; catalogue.yml switches them on.
from studybots.core.language import LANGUAGES


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    kind: str = "text"  # text | id | url | date | int | code | ref | choice | phone | regex
    multi: bool = False
    codes: str | None = None  # code list name, for kind == "code"
    ref: str | None = None  # table name, for kind == "ref"
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    forbid: str = ""  # characters that must not appear (e.g. Rasa markup)
    choices: tuple[str, ...] = ()  # the only allowed values (kind == "choice"), or extra
    # allowed values of a reference (kind == "ref": e.g. "none" besides category ids)
    schemes: tuple[str, ...] = ("https",)  # for kind == "url"
    # Texts students read: "required" = a `<name>_<lang>` column per other
    # language, filled on every row once the language is switched on;
    # "optional" = such a column may hold a translation (a Swedish source page
    # only where one exists); "" = the same in every language (ids, codes).
    translated: str = ""
    # The column may be left out of the file altogether (an older sheet):
    # every row then has the empty value.
    may_be_absent: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    path: str  # relative to the catalogue folder
    columns: tuple[Column, ...]
    key: str | None = "id"
    unique_together: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def translation_columns(self, lang: str) -> list[tuple[Column, Column]]:
        """(base column, its `<name>_<lang>` column) for every translated column.
        The translation is checked like its base column but may be empty here:
        validation asks for it only when the language is switched on."""
        return [
            (c, replace(c, name=f"{c.name}_{lang}", required=False, translated=""))
            for c in self.columns
            if c.translated
        ]

    def allowed_columns(self) -> list[str]:
        """The base columns and the translation columns of every language."""
        names = self.column_names
        for lang in LANGUAGES:
            names += [t.name for _, t in self.translation_columns(lang)]
        return names


# Rasa reads [text](entity) and {"entity": ...} as annotations in training examples.
NLU_MARKUP = "[]{}"

CODE_LISTS = {
    # name -> path of a CSV with at least a 'code' column
    "dimension": "codes/dimensions.csv",
    "phase": "codes/phases.csv",
    "area": "codes/areas.csv",
    "life_event": "codes/ptv_life_events_KE.csv",
    "target_group": "codes/ptv_target_groups_KR.csv",
    "service_class": "codes/ptv_service_classes_P.csv",
    "service_type": "codes/service_types.csv",
    "area_type": "codes/area_types.csv",
    "answer_intent": "codes/answer_intents.csv",
}

TERMS = Table(
    name="terms",
    path="terms/terms.csv",
    columns=(
        Column("id", kind="id"),
        Column("term", max_length=120, translated="required"),
        Column("aliases", required=False, multi=True, translated="optional"),
        Column("area", kind="code", codes="area"),
        Column("definition", max_length=600, translated="required"),
        Column("source_url", kind="url", translated="optional"),
        Column("checked", required=False, kind="date"),
        Column("dimension", kind="code", codes="dimension"),
        Column("phase", kind="code", codes="phase"),
        Column("services", required=False, kind="ref", ref="services", multi=True),
    ),
)

TERM_PHRASINGS = Table(
    name="term_phrasings",
    path="terms/phrasings.csv",
    key=None,
    unique_together=("text",),
    columns=(
        Column("term_id", kind="ref", ref="terms"),
        Column("lang", required=False, kind="choice", choices=LANGUAGES, may_be_absent=True),
        Column("text", max_length=200, forbid=NLU_MARKUP),
    ),
)

SERVICES = Table(
    name="services",
    path="services/services.csv",
    columns=(
        Column("id", kind="id"),
        Column("name", max_length=200, translated="required"),
        Column("description", max_length=400, translated="required"),
        Column("provider", max_length=200),
        Column("url", kind="url"),
        Column("service_type", kind="code", codes="service_type"),
        Column("target_groups", kind="code", codes="target_group", multi=True),
        Column("life_events", required=False, kind="code", codes="life_event", multi=True),
        Column("service_classes", kind="code", codes="service_class", multi=True),
        Column("phase", kind="code", codes="phase"),
        Column("dimension", kind="code", codes="dimension"),
        Column("area_type", kind="code", codes="area_type"),
        Column("municipality", required=False, kind="int", min_value=1, max_value=999),
        Column("keywords", required=False, multi=True),
        Column("ptv_id", required=False, kind="ref", ref="ptv_services"),
    ),
)

NEEDS = Table(
    name="needs",
    path="services/needs.csv",
    columns=(
        Column("id", kind="id"),
        Column("name", max_length=60, translated="required"),
        Column("description", max_length=300, translated="required"),
        Column("services", kind="ref", ref="services", multi=True),
        Column("phase", kind="code", codes="phase"),
    ),
)

NEED_PHRASINGS = Table(
    name="need_phrasings",
    path="services/need_phrasings.csv",
    key=None,
    unique_together=("text",),
    columns=(
        Column("need_id", kind="ref", ref="needs"),
        Column("lang", required=False, kind="choice", choices=LANGUAGES, may_be_absent=True),
        Column("text", max_length=200, forbid=NLU_MARKUP),
    ),
)

# Paavo's optional questions about the student's situation ("Asutko jo
# Turussa?"), asked when the recognised need is one of `needs`; at most three
# per conversation, in this order, each once.
SITUATIONS = Table(
    name="situations",
    path="services/situations.csv",
    columns=(
        Column("id", kind="id"),
        Column("question", max_length=120, translated="required"),
        Column("needs", kind="ref", ref="needs", multi=True),
    ),
)

# The answers to a situation question and what each does to the ranking:
# `services` come first (in this order), `hide` are left out, services of
# `phase` / `life_events` weigh more. `phrases` are word beginnings that say
# the answer in the student's own words ("muutan turku" in "muutan Turkuun
# ensi kuussa"); the first matching row of a situation wins. `intent` says
# which yes/no answer (affirm | deny) means this row; `label` is the button
# (a row without a label has no button).
SITUATION_ANSWERS = Table(
    name="situation_answers",
    path="services/situation_answers.csv",
    key=None,
    unique_together=("situation", "value"),
    columns=(
        Column("situation", kind="ref", ref="situations"),
        Column("value", kind="id"),
        Column("label", required=False, max_length=40, translated="required"),
        Column("reason", max_length=80, translated="required"),
        Column("intent", required=False, kind="code", codes="answer_intent"),
        Column("phrases", required=False, multi=True, max_length=60, translated="optional"),
        Column("services", required=False, kind="ref", ref="services", multi=True),
        Column("hide", required=False, kind="ref", ref="services", multi=True),
        Column("phase", required=False, kind="code", codes="phase"),
        Column("life_events", required=False, kind="code", codes="life_event", multi=True),
    ),
)

# Real PTV service lists, copied from the national catalogue (CC BY 4.0).
PTV_SERVICES = Table(
    name="ptv_services",
    path="ptv/services.csv",
    columns=(
        Column("id", kind="id"),
        Column("municipality", required=False, kind="int", min_value=1, max_value=999),
        Column("name", max_length=300),
        Column("summary", required=False, max_length=2000),
        Column("wellbeing", required=False, multi=True),
        Column("source_sheet"),
    ),
)

# The always-on safety check (catalogue/safety/, see its SOURCES.md): help
# contacts, crisis categories with their replies, the classifier's training
# phrasings, high-precision patterns, and the near-miss request phrasings.
# Every row that states a fact (a contact, a reply) names its official source
# and the date it was checked.
SOURCE_SCHEMES = ("https", "http")  # some official pages are stored as http:// only

SAFETY_CONTACTS = Table(
    name="safety_contacts",
    path="safety/contacts.csv",
    columns=(
        Column("id", kind="id"),
        Column("name_fi", max_length=200),
        Column("name_sv", max_length=200),
        Column("name_en", max_length=200),
        Column("phone", required=False, kind="phone"),
        Column("url", required=False, kind="url"),
        Column("hours_note_fi", required=False, max_length=120),
        Column("hours_note_sv", required=False, max_length=120),
        Column("hours_note_en", required=False, max_length=120),
        Column("source_url", kind="url", schemes=SOURCE_SCHEMES),
        Column("checked", kind="date"),
        Column("langs", required=False, kind="choice", choices=LANGUAGES, multi=True),
    ),
)

SAFETY_CATEGORIES = Table(
    name="safety_categories",
    path="safety/categories.csv",
    columns=(
        Column("id", kind="id"),
        Column("priority", kind="int", min_value=1, max_value=99),
        Column("contacts", kind="ref", ref="safety_contacts", multi=True),
        Column("reply_fi", max_length=900),
        Column("reply_sv", max_length=900),
        Column("reply_en", max_length=900),
        Column("source_url", kind="url", schemes=SOURCE_SCHEMES),
        Column("checked", kind="date"),
    ),
)

SAFETY_NONE = "none"  # phrasings of ordinary messages in crisis-like words

SAFETY_PHRASINGS = Table(
    name="safety_phrasings",
    path="safety/phrasings.csv",
    key=None,
    unique_together=("text",),
    columns=(
        Column("category", kind="ref", ref="safety_categories", choices=(SAFETY_NONE,)),
        Column("lang", kind="choice", choices=LANGUAGES),
        Column("text", max_length=300, forbid=NLU_MARKUP),
    ),
)

SAFETY_PATTERNS = Table(
    name="safety_patterns",
    path="safety/patterns.csv",
    key=None,
    unique_together=("pattern",),
    columns=(
        Column("category", kind="ref", ref="safety_categories"),
        Column("lang", kind="choice", choices=LANGUAGES),
        Column("pattern", kind="regex", max_length=400),
        Column("note", required=False, max_length=400),
    ),
)

NEAR_MISS_KINDS = ("detail", "action")

NEAR_MISS_PHRASINGS = Table(
    name="near_miss_phrasings",
    path="safety/near_miss_phrasings.csv",
    key=None,
    unique_together=("text",),
    columns=(
        Column("kind", kind="choice", choices=NEAR_MISS_KINDS),
        Column("lang", kind="choice", choices=LANGUAGES),
        Column("text", max_length=300, forbid=NLU_MARKUP),
    ),
)

SAFETY_TABLES = (
    SAFETY_CONTACTS,
    SAFETY_CATEGORIES,
    SAFETY_PHRASINGS,
    SAFETY_PATTERNS,
    NEAR_MISS_PHRASINGS,
)

TABLES = (
    TERMS,
    TERM_PHRASINGS,
    SERVICES,
    NEEDS,
    NEED_PHRASINGS,
    PTV_SERVICES,
    SITUATIONS,
    SITUATION_ANSWERS,
    *SAFETY_TABLES,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}

MIN_PHRASINGS_PER_TERM = 8
MIN_PHRASINGS_PER_NEED = 8
MIN_SAFETY_PHRASINGS_PER_CATEGORY = 8
CONTACTS_PLACEHOLDER = "{contacts}"
