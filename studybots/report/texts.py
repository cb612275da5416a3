"""Every text of the report page, per language, in one place.

Finnish is the only language now; another one is a new dict with the same
keys (the tests check that every language has every key). Labels of the
catalogue's codes (well-being dimensions, life-event phases) and the names of
terms and needs come from the catalogue itself.
"""

from __future__ import annotations

LANGUAGES = ("fi",)

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Mitä boteilta kysytään",
        "subtitle": "{life_event}: Tero Termibotin ja Paavo Palvelubotin kysymykset {start}–{end}",
        "generated": "Laadittu {date}. Luvut lasketaan bottien kysymyslokista.",
        "privacy": (
            "Yksittäistä kysyjää ei voi tunnistaa raportista: alle {k}:n määrät "
            "näytetään merkinnällä ”<{k}”, eikä niitä piirretä kuviin; osuuksia ei "
            "näytetä, jos ne paljastaisivat alle {k}:n määrän. Kysymysten tekstejä "
            "näytetään vain, kun vähintään {k} eri kysyjää on kysynyt samaa. "
            "Raportissa ei ole keskustelujen tunnisteita."
        ),
        "definitions": (
            "Kysymys on käyttäjän viesti bottille; tervehdyksiä, kiitoksia, "
            "palautepainikkeita ja vaihtoehtopainikkeiden valintoja ei lasketa "
            "kysymyksiksi. Vastaamatta jäi kysymys, jota botti ei tunnistanut tai "
            "johon se tarjosi vain arvauksia. Vastaukset aiheittain lasketaan "
            "annetuista vastauksista (myös painikkeella valituista). Ohjattu "
            "kriisiapuun: viestit, joihin botti vastasi hätä- ja kriisiavun "
            "yhteystiedoilla (turvallisuustarkistus)."
        ),
        "show_numbers": "Näytä luvut taulukkona",
        "plot_note": "Alle {k}:n määriä ei piirretä kuvaan.",
        "no_data": "Ei tietoja tältä ajalta.",
        "suppressed_rate": "–",
        # sections
        "summary": "Yhteenveto",
        "languages": "Kysymysten kielet",
        "languages_intro": (
            "Kysymykset kielittäin: kieli, jolla botti vastasi (opiskelijan "
            "valitsema tai viestistä tunnistettu). Vastaamatta jääneiden osuus "
            "kielittäin näyttää, millä kielellä sisältöä puuttuu eniten."
        ),
        "weekly": "Kysymykset viikoittain",
        "weekly_intro": (
            "Kysymysten määrä viikoittain boteittain ja kanavittain. Jakson "
            "ensimmäinen ja viimeinen viikko voivat olla vajaita."
        ),
        "topics": "Kysytyimmät termit ja palvelutarpeet",
        "topics_intro": "Mistä botit antoivat eniten vastauksia: Tero termeittäin, Paavo "
        "palvelutarpeittain. Kuvassa {n} yleisintä.",
        "topics_plot_title": "{bot}: {n} yleisintä aihetta",
        "dimensions": "Hyvinvoinnin ulottuvuudet",
        "dimensions_intro": "Annetut vastaukset hyvinvoinnin ulottuvuuksittain (termin "
        "ulottuvuus; palvelutarpeella sen palveluiden yleisin ulottuvuus).",
        "phases": "Elämäntapahtuman vaiheet",
        "phases_intro": "Annetut vastaukset elämäntapahtuman vaiheittain.",
        "unanswered": "Vastaamatta jääneiden osuus",
        "unanswered_intro": "Kuinka suuri osa viikon kysymyksistä jäi ilman vastausta.",
        "groups": "Suurimmat vastaamatta jääneiden kysymysten ryhmät",
        "groups_intro": (
            "Samanlaiset kysymykset (kirjainkoosta ja välimerkeistä riippumatta) "
            "yhtenä ryhmänä. Mukana vain ryhmät, joissa on vähintään {k} eri "
            "kysyjää; enintään {n} suurinta."
        ),
        "groups_none": "Yhdessäkään ryhmässä ei ollut vähintään {k} eri kysyjää.",
        "feedback": "Palaute",
        "feedback_intro": (
            "Opiskelijoiden palaute vastauksista: peukku ylös (hyvä) tai "
            "peukku alas (huono). Osuus on hyvien osuus kaikista palautteista."
        ),
        # column headings
        "col_bot": "Botti",
        "col_lang": "Kieli",
        "col_questions": "Kysymyksiä",
        "col_students": "Eri kysyjiä",
        "col_unanswered": "Vastaamatta",
        "col_unanswered_pct": "Vastaamatta %",
        "col_crisis": "Ohjattu kriisiapuun",
        "col_week": "Viikko",
        "col_week_start": "Alkaa",
        "col_channel": "Kanava",
        "col_kind": "Laji",
        "col_id": "Tunnus",
        "col_name": "Aihe",
        "col_answers": "Vastauksia",
        "col_dimension": "Ulottuvuus",
        "col_phase": "Vaihe",
        "col_label": "Nimi",
        "col_rank": "Sija",
        "col_question": "Kysymys",
        "col_up": "Peukku ylös",
        "col_down": "Peukku alas",
        "col_up_pct": "Peukku ylös %",
        "col_tero": "Tero",
        "col_paavo": "Paavo",
        "col_all": "Yhteensä",
        # plot texts
        "axis_questions": "kysymyksiä",
        "axis_answers": "vastauksia",
        "axis_pct": "%",
        "axis_week": "viikko",
        "legend_up": "hyvä (peukku ylös)",
        "legend_down": "huono (peukku alas)",
        # values
        "bot_tero": "Tero",
        "bot_paavo": "Paavo",
        "bot_all": "Yhteensä",
        "lang_fi": "suomi",
        "lang_sv": "ruotsi",
        "lang_en": "englanti",
        "lang_?": "ei tiedossa",
        "kind_term": "termi",
        "kind_need": "palvelutarve",
        "channel_rest": "verkkosivu",
        "channel_slack": "Slack",
        "channel_socketio": "verkkochat (Socket.IO)",
        "week_label": "vk {week}/{year}",
        "week_short": "vk {week}",
        "unclassified": "ei luokiteltu",
        "date": "{d}.{m}.{y}",
        "pct": "{value} %",
        "decimal_separator": ",",
    },
}


def text(key: str, lang: str = "fi", **values: object) -> str:
    template = TEXTS[lang][key]
    return template.format(**values) if values else template


def value_label(prefix: str, value: str, lang: str = "fi") -> str:
    """Label of a code value (bot, channel, kind); unknown values as they are."""
    return TEXTS[lang].get(f"{prefix}_{value}", value)
