"""`make sample-log`: a realistic, made-up question log for demos and tests.

Deterministic for a seed. Students (pseudonyms made the way the bots make
them) come over a period, most of them around the start of term, and ask
Tero about real terms and Paavo about real needs of the catalogue in the
catalogue's own Finnish phrasings, plus questions the bots cannot answer.
Rows look like the log broker's: outcomes, confidences, best guesses, button
presses after guesses, small talk, and 👍/👎 that rate the answer before them
(as studybots.questionlog.writer records them).

Writes into an empty log only, so made-up rows never mix with a real log;
its own file, var/sample-log.db (the default), is replaced on each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from dataclasses import dataclass

import sqlalchemy as sa

from studybots.catalogue.load import Catalogue, load_catalogue
from studybots.core.names import NEED_INTENT_PREFIX, TERM_INTENT_PREFIX
from studybots.core.settings import load_settings
from studybots.privacy.pseudonyms import pseudonym
from studybots.questionlog.model import complete, ensure_schema, make_log_engine, message_log
from studybots.report.figures import REPORT_TZ, local_midnight

SAMPLE_FILE = "sample-log.db"  # in the var folder; replaced by each run
CHANNELS = (("rest", 0.62), ("slack", 0.26), ("socketio", 0.12))

# Questions the bots cannot answer, as students write them (already scrubbed),
# with how popular each is: the first ones are asked by many students.
UNKNOWN_TERO = [
    ("mikä on HOAS", 9),
    ("mitä tarkoittaa sitsit", 7),
    ("mikä on approt", 6),
    ("mitä on haalarimerkki", 5),
    ("mikä on tuutor", 4),
    ("mikä on kandiseminaari", 2),
    ("mitä tarkoittaa nakkikioski", 1),
    ("mikä on vappu turussa", 1),
    ("soitin numeroon [PUHELIN] mikä paikka se on", 1),
    ("mikä on ainejärjestö", 2),
]
UNKNOWN_PAAVO = [
    ("mistä saa halvan pyörän", 8),
    ("missä voi pelata sulkapalloa", 6),
    ("mistä löydän kesätöitä", 6),
    ("onko turussa opiskelijoille juristia", 3),
    ("missä on lähin uimahalli", 3),
    ("tarvitsen lastenvahdin", 1),
    ("laitoin sähköpostia [SÄHKÖPOSTI] eikä kukaan vastaa", 1),
    ("mistä saa kierrätyshuonekaluja", 2),
    ("voiko kirjastosta lainata läppäriä", 2),
]
GREETINGS = ["moi", "hei", "moikka", "terve", "Hei!"]
THANKS = ["kiitos", "kiitti", "Kiitos paljon!", "kiitos apusta"]


class LogNotEmpty(RuntimeError):
    pass


@dataclass
class Sample:
    rows: list[dict]
    students: int


def _weights(items: list[str], rng: random.Random) -> list[float]:
    """Zipf-like popularity in a seeded order: a few topics are asked most."""
    order = list(range(len(items)))
    rng.shuffle(order)
    return [1 / (rank + 1) ** 0.9 for rank in order]


def _variant(text: str, rng: random.Random) -> str:
    """Students write the same thing differently: case, question marks."""
    r = rng.random()
    if r < 0.25:
        return text.capitalize() + "?"
    if r < 0.35:
        return text + "??"
    if r < 0.45:
        return text.upper() if len(text) < 20 else text + "?"
    return text


def _when(first: dt.date, days: int, rng: random.Random) -> dt.datetime:
    """A moment in the period: busiest in its first weeks, mostly daytime."""
    day = days
    while day >= days:
        day = int(rng.expovariate(3.0 / days))
    hour = rng.choices(
        range(24), weights=[1, 1, 0, 0, 0, 0, 1, 3, 5, 7, 8, 8, 8, 8, 8, 8, 7, 6, 6, 7, 7, 6, 4, 2]
    )[0]
    local = dt.datetime.combine(first + dt.timedelta(days=day), dt.time(hour), REPORT_TZ)
    local += dt.timedelta(seconds=rng.randrange(3600))
    return local.astimezone(dt.timezone.utc)


def _candidates(top: str, confidence: float, others: list[str]) -> str:
    rest = max(0.0, 1 - confidence)
    return json.dumps(
        [{"name": top, "confidence": round(confidence, 4)}]
        + [{"name": o, "confidence": round(rest / (i + 2), 4)} for i, o in enumerate(others)],
        ensure_ascii=False,
    )


def generate(
    catalogue: Catalogue, first: dt.date, last: dt.date, students: int = 400, seed: int = 1
) -> Sample:
    rng = random.Random(seed)
    # The unknown questions draw from a stream of their own, so that adding a
    # phrasing to the catalogue (which changes what `rng` draws next) does not
    # change which unknown questions the sample's students ask.
    unknown = random.Random(f"{seed}-unknown")
    days = (last - first).days + 1
    key = f"sample-{seed}".encode()
    # The sample students write in the catalogue's own language (as the sample's
    # unknown questions do), so that the same questions recur as in a real log.
    own = catalogue.language
    term_phrasings = {
        t: [p for p in ps if catalogue.phrasing_languages.get(p, own) == own]
        for t, ps in catalogue.term_phrasings.items()
    }
    need_phrasings = {
        n: [p for p in ps if catalogue.phrasing_languages.get(p, own) == own]
        for n, ps in catalogue.need_phrasings.items()
    }
    terms = sorted(t for t in catalogue.terms if term_phrasings.get(t))
    needs = sorted(n for n in catalogue.needs if need_phrasings.get(n))
    term_weights, need_weights = _weights(terms, rng), _weights(needs, rng)
    rows: list[dict] = []

    def row(when, bot, channel, student, text, intent, confidence, candidates, outcome, ref=""):
        rows.append(
            {
                "event_id": f"{rng.getrandbits(128):032x}",
                "time": when,
                "bot": bot,
                "channel": channel,
                "conversation": student,
                "text": text,
                "intent": intent,
                "confidence": confidence,
                "candidates": candidates,
                "outcome": outcome,
                "answer_ref": ref,
                "feedback": None,
                "lang": own,
            }
        )
        return rows[-1]

    def ask_tero(when, channel, student) -> dict | None:
        if unknown.random() < 0.12:
            text = unknown.choices(*zip(*UNKNOWN_TERO))[0]
            guess = TERM_INTENT_PREFIX + rng.choice(terms)
            c = round(rng.uniform(0.3, 0.7), 4)
            for _ in range(2 if rng.random() < 0.2 else 1):  # some ask again, the same way
                row(
                    when,
                    "tero",
                    channel,
                    student,
                    _variant(text, rng),
                    "out_of_scope",
                    c,
                    _candidates("out_of_scope", c, [guess]),
                    "out_of_scope",
                )
                when += dt.timedelta(seconds=rng.randint(10, 60))
            return None
        term = rng.choices(terms, term_weights)[0]
        text = _variant(rng.choice(term_phrasings[term]), rng)
        others = [TERM_INTENT_PREFIX + t for t in rng.sample(terms, 2) if t != term]
        r = rng.random()
        if r < 0.84:
            c = round(rng.uniform(0.72, 0.99), 4)
            return row(
                when,
                "tero",
                channel,
                student,
                text,
                TERM_INTENT_PREFIX + term,
                c,
                _candidates(TERM_INTENT_PREFIX + term, c, others),
                "answer",
                term,
            )
        c = round(rng.uniform(0.3, 0.6), 4)
        guesses = [term] + [o[len(TERM_INTENT_PREFIX) :] for o in others]
        row(
            when,
            "tero",
            channel,
            student,
            text,
            TERM_INTENT_PREFIX + term,
            c,
            _candidates(TERM_INTENT_PREFIX + term, c, others),
            "suggest",
            ";".join(guesses),
        )
        if rng.random() < 0.7:  # the student presses the right button
            pressed = TERM_INTENT_PREFIX + term
            return row(
                when + dt.timedelta(seconds=rng.randint(4, 40)),
                "tero",
                channel,
                student,
                f"/{pressed}",
                pressed,
                1.0,
                _candidates(pressed, 1.0, []),
                "answer",
                term,
            )
        return None

    def ask_paavo(when, channel, student) -> dict | None:
        if unknown.random() < 0.14:
            text = unknown.choices(*zip(*UNKNOWN_PAAVO))[0]
            guess = NEED_INTENT_PREFIX + rng.choice(needs)
            c = round(rng.uniform(0.2, 0.5), 4)
            row(
                when,
                "paavo",
                channel,
                student,
                _variant(text, rng),
                guess,
                c,
                _candidates(guess, c, ["nlu_fallback"]),
                "no_answer",
            )
            return None
        need = rng.choices(needs, need_weights)[0]
        text = _variant(rng.choice(need_phrasings[need]), rng)
        intent = NEED_INTENT_PREFIX + need
        others = [NEED_INTENT_PREFIX + n for n in rng.sample(needs, 2) if n != need]
        r = rng.random()
        if r < 0.80:
            c = round(rng.uniform(0.65, 0.98), 4)
            return row(
                when,
                "paavo",
                channel,
                student,
                text,
                intent,
                c,
                _candidates(intent, c, others),
                "services",
                need,
            )
        if r < 0.83:  # links found by searching the catalogue's text, no need recognised
            c = round(rng.uniform(0.2, 0.5), 4)
            return row(
                when,
                "paavo",
                channel,
                student,
                text,
                intent,
                c,
                _candidates(intent, c, others),
                "services",
                "",
            )
        c = round(rng.uniform(0.3, 0.6), 4)
        alternatives = [need] + [o[len(NEED_INTENT_PREFIX) :] for o in others]
        row(
            when,
            "paavo",
            channel,
            student,
            text,
            intent,
            c,
            _candidates(intent, c, others),
            "suggest",
            ";".join(alternatives),
        )
        if rng.random() < 0.6:
            return row(
                when + dt.timedelta(seconds=rng.randint(4, 40)),
                "paavo",
                channel,
                student,
                f"/{intent}",
                intent,
                1.0,
                _candidates(intent, 1.0, []),
                "services",
                need,
            )
        return None

    end = local_midnight(last + dt.timedelta(days=1))
    for number in range(students):
        student = pseudonym(f"sample-student-{number}", key)
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        likes = rng.random()  # share of this student's questions that go to Tero
        start = _when(first, days, rng)
        for _ in range(1 + min(4, int(rng.expovariate(1.2)))):  # sessions
            if start >= end:
                break
            when = start
            bot = "tero" if rng.random() < likes else "paavo"
            if rng.random() < 0.3:
                row(
                    when,
                    bot,
                    channel,
                    student,
                    rng.choice(GREETINGS),
                    "greet",
                    0.97,
                    _candidates("greet", 0.97, []),
                    "smalltalk",
                    "greet",
                )
                when += dt.timedelta(seconds=rng.randint(5, 60))
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                answered = (ask_tero if bot == "tero" else ask_paavo)(when, channel, student)
                when += dt.timedelta(seconds=rng.randint(20, 300))
                if answered is not None and rng.random() < 0.15:
                    rating = "up" if rng.random() < 0.78 else "down"
                    answered["feedback"] = rating
                    row(
                        when,
                        bot,
                        channel,
                        student,
                        f"/feedback_{rating}",
                        f"feedback_{rating}",
                        1.0,
                        _candidates(f"feedback_{rating}", 1.0, []),
                        "feedback",
                        rating,
                    )
                    when += dt.timedelta(seconds=rng.randint(5, 60))
            if rng.random() < 0.2:
                row(
                    when,
                    bot,
                    channel,
                    student,
                    rng.choice(THANKS),
                    "thanks",
                    0.95,
                    _candidates("thanks", 0.95, []),
                    "smalltalk",
                    "thanks",
                )
            start += dt.timedelta(days=rng.randint(1, 20), seconds=rng.randrange(-7200, 7200))
    rows.sort(key=lambda r: (r["time"], r["event_id"]))
    return Sample(rows, students)


def write(url: str, sample: Sample, replace: bool = False) -> int:
    """Insert the sample into an empty log (`replace`: empty it first)."""
    engine = make_log_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as connection:
            if replace:
                connection.execute(sa.delete(message_log))
            elif connection.execute(sa.select(sa.func.count()).select_from(message_log)).scalar():
                raise LogNotEmpty(
                    f"{url} already has log rows: a sample goes into an empty log only"
                )
            connection.execute(message_log.insert(), complete(sample.rows))
        return len(sample.rows)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    default_url = f"sqlite:///{settings.var_dir / SAMPLE_FILE}"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=default_url,
        help=f"an empty log (default var/{SAMPLE_FILE}, replaced each run)",
    )
    parser.add_argument(
        "--from", dest="first", type=dt.date.fromisoformat, default=dt.date(2026, 8, 1)
    )
    parser.add_argument(
        "--to", dest="last", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30)
    )
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.last < args.first:
        parser.error("--to is before --from")
    catalogue = load_catalogue(settings.catalogue_dir)
    sample = generate(catalogue, args.first, args.last, args.students, args.seed)
    try:
        written = write(args.url, sample, replace=args.url == default_url)
    except LogNotEmpty as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{written} sample log rows of {args.students} students written to {args.url}")
    print(f'report: make report ARGS="--url {args.url} --from {args.first} --to {args.last}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
