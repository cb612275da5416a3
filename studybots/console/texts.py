"""Every text of the console's pages, per language, in one place.

Finnish is the only language now; Swedish and English are each a new dict
with the same keys (tests/unit/console/test_texts.py checks that every
language has every key and the same {placeholders}). The messages of
accounts.py and passwords.py are Finnish too and move here with the second
language.
"""

from __future__ import annotations

LANGUAGES = ("fi",)

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "console": "Toimitus",
        "console_long": "Tero ja Paavo: toimittajien työkalut",
        "skip": "Siirry sisältöön",
        "signed_in_as": "Kirjautuneena: {name}",
        "logout": "Kirjaudu ulos",
        "nav": "Päävalikko",
        "nav_home": "Etusivu",
        "nav_accounts": "Tunnukset",
        "nav_audit": "Tapahtumaloki",
        "nav_report": "Raportti",
        "nav_inbox": "Saapuneet kysymykset",
        "nav_publish": "Julkaisu",
        "nav_history": "Muutoshistoria",
        # sign-in
        "login_title": "Kirjaudu sisään",
        "login_name": "Tunnus",
        "login_password": "Salasana",
        "login_submit": "Kirjaudu",
        "login_failed": (
            "Kirjautuminen ei onnistunut. Tarkista tunnus ja salasana. Viiden "
            "epäonnistuneen yrityksen jälkeen tunnus lukitaan {minutes} minuutiksi."
        ),
        "login_oidc": "Kirjaudu organisaation tunnuksella",
        "login_or": "tai",
        "oidc_failed": "Kirjautuminen organisaation tunnuksella ei onnistunut. Yritä uudelleen.",
        "oidc_no_account": (
            "Organisaation tunnuksellasi ei ole toimituksen tunnusta tai rooleja. "
            "Pyydä ylläpitäjää lisäämään se."
        ),
        "oidc_continue": "Jatka toimitukseen",
        "logged_out": "Olet kirjautunut ulos.",
        "session_ended": "Istunto on päättynyt. Kirjaudu uudelleen.",
        # landing
        "home_title": "Etusivu",
        "home_roles": "Roolisi: {roles}",
        "home_no_roles": "Tunnuksellasi ei ole vielä rooleja. Pyydä ylläpitäjää lisäämään ne.",
        "home_can": "Voit",
        "can_inbox": "käydä läpi kysymykset, joihin botit eivät osanneet vastata",
        "can_tables": (
            "selata luettelon muutoshistoriaa ja palauttaa aiemman version "
            "(taulukoiden muokkaus tulossa)"
        ),
        "can_publish": "julkaista muutokset botteihin",
        "can_rollback": "palauttaa edellisen julkaisun",
        "can_report": "lukea raportin siitä, mitä boteilta kysytään",
        "can_accounts": "hallita tunnuksia ja rooleja",
        "can_audit": "lukea tapahtumalokin",
        "role_editor": "toimittaja",
        "role_publisher": "julkaisija",
        "role_analyst": "analyytikko",
        "role_admin": "ylläpitäjä",
        # accounts
        "accounts_title": "Tunnukset",
        "accounts_create": "Uusi tunnus",
        "accounts_name": "Tunnus",
        "accounts_roles": "Roolit",
        "accounts_password": "Salasana (vähintään {n} merkkiä)",
        "accounts_password_optional": (
            "Salasana (vähintään {n} merkkiä; tyhjä: vain organisaation tunnuksella)"
        ),
        "accounts_create_submit": "Luo tunnus",
        "accounts_status": "Tila",
        "accounts_created": "Luotu",
        "accounts_actions": "Toiminnot",
        "accounts_save_roles": "Tallenna roolit",
        "accounts_disable": "Poista käytöstä",
        "accounts_enable": "Ota käyttöön",
        "accounts_unlock": "Avaa lukitus",
        "accounts_new_password": "Uusi salasana",
        "accounts_set_password": "Vaihda salasana",
        "status_active": "käytössä",
        "status_disabled": "ei käytössä",
        "status_locked": "lukittu {until} asti",
        "done_created": "Tunnus {name} luotu.",
        "done_roles": "Tunnuksen {name} roolit tallennettu.",
        "done_disabled": "Tunnus {name} poistettu käytöstä.",
        "done_enabled": "Tunnus {name} otettu käyttöön.",
        "done_unlocked": "Tunnuksen {name} lukitus avattu.",
        "done_password": "Tunnuksen {name} salasana vaihdettu.",
        "bad_request": "Pyyntö ei kelpaa.",
        # audit
        "audit_title": "Tapahtumaloki",
        "audit_intro": (
            "Toimituksen {n} uusinta tapahtumaa, uusin ensin. Ajat Suomen aikaa. "
            "Lokiin ei tallenneta salasanoja eikä opiskelijoiden tietoja."
        ),
        "audit_time": "Aika",
        "audit_account": "Tunnus",
        "audit_action": "Tapahtuma",
        "audit_detail": "Tiedot",
        "audit_nobody": "(ei kirjautunut)",
        "action_login": "kirjautuminen",
        "action_login_failed": "epäonnistunut kirjautuminen",
        "action_login_locked": "tunnus lukittu",
        "action_logout": "uloskirjautuminen",
        "action_account_created": "tunnus luotu",
        "action_roles_changed": "roolit muutettu",
        "action_account_disabled": "tunnus poistettu käytöstä",
        "action_account_enabled": "tunnus otettu käyttöön",
        "action_account_unlocked": "lukitus avattu",
        "action_password_set": "salasana vaihdettu",
        "action_csrf_refused": "lomake hylätty (CSRF)",
        "action_forbidden": "pääsy estetty",
        "action_inbox_mapped": "kysymys liitetty",
        "action_inbox_ignored": "kysymys ohitettu",
        "action_inbox_new_term": "uusi termi kysymyksestä",
        "action_suggestion_confirmed": "ehdotettu ilmaisu vahvistettu",
        "action_suggestion_dismissed": "ehdotus ohitettu",
        "action_catalogue_restored": "luettelo palautettu aiempaan versioon",
        "action_catalogue_restore_refused": "luettelon palautus estetty",
        # report
        "report_title": "Raportti",
        "report_from": "Alkaen",
        "report_to": "Päättyen",
        "report_show": "Näytä",
        "report_bad_period": "Anna jakso muodossa VVVV-KK-PP, alku ennen loppua, enintään vuosi.",
        # publishing
        "publish_title": "Julkaisu",
        "publish_intro": (
            "Julkaisu vie luetteloon tehdyt muutokset botteihin: luettelo tarkistetaan, botit "
            "koulutetaan uudelleen, uutta mallia verrataan käytössä olevaan ja se otetaan "
            "käyttöön ilman katkoa. Julkaisu kestää yleensä muutaman minuutin."
        ),
        "publish_now": "Tilanne",
        "publish_none_yet": "Tästä toimituksesta ei ole vielä julkaistu mitään.",
        "publish_running_publish": (
            "Julkaisu on käynnissä (aloitti {name} {time}). Sivu päivittyy itsestään."
        ),
        "publish_running_force": (
            "Julkaisu ilman laaduntarkistuksen hyväksyntää on käynnissä (aloitti {name} "
            "{time}). Sivu päivittyy itsestään."
        ),
        "publish_running_rollback": (
            "Edellistä mallia palautetaan (aloitti {name} {time}). Sivu päivittyy itsestään."
        ),
        "publish_done_publish": "Julkaisu valmis (aloitti {name} {time}).",
        "publish_done_force": "Julkaisu valmis ilman laaduntarkistuksen hyväksyntää (aloitti {name} {time}).",
        "publish_done_rollback": "Edellinen malli palautettu (aloitti {name} {time}).",
        "publish_refused": (
            "Uutta mallia ei julkaistu: se oli laaduntarkistuksessa heikompi kuin käytössä "
            "oleva (aloitti {name} {time}). Katso taulukko alla ja viimeisimmät muutokset. "
            "Botit jatkavat vanhalla mallilla."
        ),
        "publish_refused_floor": (
            "Uutta mallia ei julkaistu: se ohjaa liian harvan kriisiviestin avun luo (aloitti "
            "{name} {time}). Tätä ei voi ohittaa; tarkista turvallisuussisältö. Botit jatkavat "
            "vanhalla mallilla."
        ),
        "publish_failed": (
            "Julkaisu ei onnistunut (aloitti {name} {time}). Botit jatkavat vanhalla mallilla. "
            "Syy on tulosteessa alla; luettelon virheet näkyvät tiedoston, rivin ja sarakkeen "
            "kanssa."
        ),
        "publish_busy": "Julkaisu on jo käynnissä. Odota, että se valmistuu.",
        "publish_unavailable": (
            "Julkaisu ei ole käytössä tässä toimituksessa: ylläpito julkaisee muutokset."
        ),
        "publish_stages": "Julkaisun vaiheet",
        "publish_output": "Julkaisun tuloste",
        "publish_no_output": "(ei vielä tulostetta)",
        "publish_button": "Julkaise muutokset",
        "publish_button_hint": (
            "Kouluttaa botit, joiden aineisto muuttui, ja julkaisee ne, jos ne ovat vähintään "
            "yhtä hyviä kuin nykyiset."
        ),
        "publish_force": "Julkaise silti",
        "publish_force_hint": (
            "Julkaisee uuden mallin, vaikka se oli jossain mittarissa heikompi. Käytä vain, kun "
            "tiedät miksi (esimerkiksi termi poistettiin tarkoituksella)."
        ),
        "publish_rollback": "Palauta edellinen malli",
        "publish_rollback_hint": "Ottaa käyttöön mallin, joka oli käytössä ennen viimeisintä julkaisua.",
        "stage_check": "Luettelon tarkistus",
        "stage_train": "Koulutus: {bot}",
        "stage_gate": "Laaduntarkistus: {bot}",
        "stage_install": "Käyttöönotto: {bot}",
        "stage_unchanged": "{bot}: koulutusaineisto ei muuttunut",
        "stage_rollback": "Edellisen mallin palautus: {bot}",
        "stage_rollback_all": "Edellisen mallin palautus",
        "state_done": "valmis",
        "state_running": "käynnissä",
        "state_failed": "ei onnistunut",
        "state_skipped": "ei tarvittu",
        "gate_title": "Laaduntarkistus",
        "gate_intro": (
            "Uusi malli ja käytössä oleva vastaavat samoihin kysymyksiin, joita kumpikaan ei ole "
            "nähnyt koulutuksessa. Uutta ei julkaista, jos jokin luku heikkenee yli 2 "
            "prosenttiyksikköä tai kriisiviestien ohjaus jää alle rajan."
        ),
        "gate_none_yet": "Laaduntarkistusta ei ole vielä tehty.",
        "gate_caption": "{bot}, {time}: {outcome} ({resolved} ratkaistua kysymystä mukana)",
        "gate_figure": "Mittari",
        "gate_live": "Käytössä ollut",
        "gate_new": "Uusi",
        "gate_result": "Tulos",
        "gate_ok": "kunnossa",
        "gate_weaker": "heikompi",
        "gate_below_floor": "alle rajan {floor}",
        "history_title": "Julkaisuhistoria",
        "history_none": "Ei vielä julkaisuja.",
        "history_time": "Aika",
        "history_bot": "Botti",
        "history_model": "Malli",
        "history_action": "Tapahtuma",
        "history_published": "julkaistu",
        "history_forced": "julkaistu silti",
        "history_refused": "hylätty",
        "history_refused_floor": "hylätty (kriisiraja)",
        "history_rollback": "palautettu",
        "action_publish_started": "julkaisu aloitettu",
        "action_publish_finished": "julkaisu päättyi",
        # the inbox (studybots/console/inbox_page.py)
        "inbox_title": "Saapuneet kysymykset",
        "inbox_intro": (
            "Kysymykset, joita botit eivät ymmärtäneet, joihin ne vastasivat epävarmasti, "
            "joista opiskelija antoi 👎 tai jotka turvallisuustarkistus ohjasi kriisiavun "
            "luo. Samaa tarkoittavat kysymykset on ryhmitelty yhteen. Ajat Suomen aikaa."
        ),
        "inbox_empty": "Ei käsiteltäviä kysymyksiä.",
        "inbox_summary": "{groups} ryhmää, {questions} eri kysymystä, kysytty yhteensä {count} kertaa.",
        "inbox_previous": "← Edelliset",
        "inbox_next": "Seuraavat →",
        "inbox_pages": "Sivut",
        "inbox_page_of": "Ryhmät {first}–{last} / {total}",
        "inbox_bot_tero": "Tero (termit)",
        "inbox_bot_paavo": "Paavo (palvelut)",
        "inbox_filter": "Näytä botti",
        "inbox_filter_all": "molemmat",
        "inbox_show": "Näytä",
        "inbox_count": "kysytty {n} kertaa",
        "inbox_languages": "Kieli",
        "inbox_reasons": "Syy",
        "inbox_guesses": "Botin parhaat arvaukset",
        "inbox_no_guesses": "ei arvauksia",
        "inbox_seen": "Ensimmäinen {first}, viimeisin {last}",
        "inbox_questions": "Kysymykset (toiminto koskee valittuja)",
        "inbox_question_count": "{n}×",
        "inbox_crisis_mark": (
            "⚠ Turvallisuustarkistus ohjasi kysymyksen kriisiavun luo. Jos se oli aiheellista, "
            "ohita kysymys. Liitä se tavalliseksi ilmaisuksi vain, jos se ei ollut kriisi."
        ),
        "inbox_crisis_seen": "Näin merkinnän: kysymys ei ollut kriisi, ja sen saa liittää",
        "inbox_map_guess": "Liitä: {name}",
        "inbox_target": "Liitä termiin tai tarpeeseen (kirjoita nimeä, valitse listasta)",
        "inbox_target_tero": "Liitä termiin (kirjoita nimeä, valitse listasta)",
        "inbox_target_paavo": "Liitä tarpeeseen (kirjoita nimeä, valitse listasta)",
        "inbox_map": "Liitä",
        "inbox_ignore": "Ohita",
        "inbox_new_term": "Uusi termi näistä kysymyksistä",
        "inbox_done_map": "Tehty: {question}: {what}",
        "inbox_done_ignore": "Ohitettu: {question}. Luettelo ei muuttunut.",
        "inbox_publish_note": (
            "Muutokset ovat luettelossa. Botit oppivat ne, kun julkaisija julkaisee ne."
        ),
        "inbox_nothing_chosen": "Valitse ainakin yksi kysymys (kenttä Kysymykset).",
        "inbox_gone": (
            "Kysymystä ei enää ole käsittelemättä: joku on ehkä jo käsitellyt sen. "
            "Sivu näyttää tilanteen nyt."
        ),
        "inbox_no_target": "Kirjoita kenttään Liitä termin tai tarpeen nimi tai valitse arvaus.",
        "inbox_crisis_unseen": (
            "Valitussa kysymyksessä on turvallisuustarkistuksen merkintä. Rastita kenttä "
            "”Näin merkinnän”, jos kysymys ei ollut kriisi, tai ohita kysymys."
        ),
        "inbox_error": "Kysymys ”{question}”, kenttä {field}: {message}",
        "inbox_error_general": "{message}",
        "inbox_not_done": "Mitään ei muutettu.",
        "inbox_cannot_write": (
            "Luetteloon ei voi kirjoittaa tällä palvelimella, joten mitään ei muutettu. "
            "Kerro asiasta ylläpitäjälle."
        ),
        "inbox_suggestion_here": (
            "Ehdotus: kysytty vähintään {n} kertaa; lisää kysymykset ilmaisuiksi: {name}"
        ),
        "inbox_confirm": "Vahvista: {name}",
        # the new term form
        "newterm_title": "Uusi termi",
        "newterm_intro": (
            "Valitut kysymykset tulevat uuden termin ilmaisuiksi. Kaikki kentät tarkistetaan "
            "kuten make validate tarkistaa luettelon; virheen kohdalla kerrotaan kenttä."
        ),
        "newterm_submit": "Lisää termi",
        "newterm_done": "Uusi termi lisätty: {what}",
        "newterm_back": "Takaisin saapuneisiin kysymyksiin",
        "newterm_only_tero": "Uusi termi tehdään vain Teron kysymyksistä; Paavon tarpeet lisätään taulukkoon.",
        "field_target": "Tunnus (pienet kirjaimet a-z, numerot ja _, esim. hoas)",
        "field_term": "Termin nimi",
        "field_definition": "Määritelmä (1-3 virkettä)",
        "field_source_url": "Virallinen lähde (https://...)",
        "field_area": "Aihealue",
        "field_dimension": "Hyvinvoinnin ulottuvuus",
        "field_phase": "Elämäntapahtuman vaihe",
        "field_phrasings": "Muut ilmaisut (vähintään 7, kukin omalle rivilleen)",
        "field_term_lang": "Termin nimi {language}",
        "field_definition_lang": "Määritelmä {language}",
        "field_phrasings_lang": "Ilmaisut {language} (vähintään 8, kukin omalle rivilleen)",
        "language_in_sv": "ruotsiksi",
        "language_in_en": "englanniksi",
        "field_checked": "Tarkistin faktat virallisesta lähteestä tänään",
        "field_question": "Kysymys",
        "field_lang": "Kieli",
        "field_action": "Toiminto",
        "field_bot": "Botti",
        "field_editor": "Toimittaja",
        "field_choose": "(valitse)",
        "field_problem": "Kenttä {field}: {message}",
        # suggested phrasings
        "suggest_title": "Ehdotetut ilmaisut",
        "suggest_intro": (
            "Kysymyksiä, jotka kannattaisi lisätä ilmaisuiksi. Yhdellä napilla vahvistat "
            "ehdotuksen: kysymys lisätään ilmaisuksi, ja muutos tarkistetaan kuten make validate."
        ),
        "suggest_frequent_title": "Usein kysytyt (vähintään {n} kertaa)",
        "suggest_frequent": "Ryhmä on kysytty {count} kertaa; lähinnä botin arvauksista: {name}",
        "suggest_resembles_title": "Varmoja vastauksia, jotka muistuttavat toista",
        "suggest_resembles": (
            "Botti vastasi varmasti: {name}. Kysymys muistuttaa kuitenkin lähes yhtä paljon "
            "tai enemmän: {other} (ero {lead}, vaaditaan vähintään {margin})."
        ),
        "suggest_none": "Ei ehdotuksia nyt.",
        "suggest_dismiss": "Ohita ehdotus",
        "suggest_done": "Vahvistettu: {question}: {what}",
        "suggest_dismissed": "Ehdotus ohitettu: {question}. Luettelo ei muuttunut.",
        "suggest_gone": "Ehdotusta ei enää ole: joku on ehkä jo käsitellyt sen.",
        "suggest_link": "Ehdotetut ilmaisut",
        # the catalogue's history (history_page.py)
        "changes_title": "Luettelon muutoshistoria",
        "changes_intro": (
            "Jokainen luettelon muutos tallentuu tänne: kuka muutti, milloin (Suomen aikaa) ja "
            "mitä. Uusin ensin; sivulla on {n} viimeisintä muutosta."
        ),
        "changes_unavailable": "Muutoshistoria ei ole käytössä tällä palvelimella.",
        "changes_broken": (
            "Muutoshistoriaa ei voi lukea tällä palvelimella. Kerro asiasta ylläpitäjälle."
        ),
        "changes_empty": (
            "Historiassa ei ole vielä muutoksia: ensimmäinen muutos saapuneista kysymyksistä "
            "tai taulukon tuonti aloittaa sen."
        ),
        "changes_time": "Aika",
        "changes_account": "Kuka",
        "changes_message": "Muutos",
        "changes_files": "Tiedostot",
        "changes_version": "Versio",
        "changes_show": "Näytä {version}",
        "changes_files_more": "ja {n} muuta",
        "changes_change_title": "Muutos {version}",
        "changes_change_meta": "{time}, {account}: {message}",
        "changes_back": "Takaisin muutoshistoriaan",
        "changes_no_changes": "Tämä muutos ei muuttanut yhtään tiedostoa.",
        "changes_file_added": "uusi tiedosto",
        "changes_file_removed": "tiedosto poistettu",
        "changes_file_changed": "muutettu",
        "changes_file_counts": "{status}: {added} riviä lisätty, {removed} riviä poistettu",
        "changes_row": "Rivi",
        "changes_kind": "Muutos",
        "changes_text": "Teksti",
        "changes_added": "+ lisätty",
        "changes_removed": "− poistettu",
        "changes_hidden": "Lisäksi {n} muuttunutta riviä, joita ei näytetä tässä.",
        "changes_restore_link": "Palauta luettelo tähän versioon…",
        "changes_restore_title": "Palautetaanko versio {version}?",
        "changes_restore_intro": (
            "Palautus tekee uuden muutoksen, joka palauttaa taulukot sellaisiksi kuin ne olivat "
            "tämän muutoksen jälkeen ({time}, {account}: {message}). Päätösten loki "
            "changes.csv säilyy ennallaan. Palautus muuttaisi nykyisiä taulukoita näin:"
        ),
        "changes_restore_nothing": "Taulukot ovat jo tällaiset, joten palautettavaa ei ole.",
        "changes_restore_refused": (
            "Tätä versiota ei voi palauttaa: sen taulukoissa on virheitä, jotka make validate "
            "löytää nyt. Korjaa ne ensin tai valitse toinen versio."
        ),
        "changes_restore_submit": "Palauta versio {version}",
        "changes_restore_moved": (
            "Luetteloa muutettiin sillä välin, joten mitään ei palautettu. Tarkista alta, mitä "
            "palautus nyt muuttaisi, ja palauta uudelleen."
        ),
        "changes_restore_busy": (
            "Toinen luettelon muutos on kesken, joten mitään ei palautettu. Yritä hetken päästä "
            "uudelleen."
        ),
        "changes_restored": (
            "Luettelo palautettiin versioon {version} (uusi muutos {new}). Botit oppivat "
            "muutokset, kun julkaisija julkaisee ne."
        ),
        "changes_unchanged": "Luettelo oli jo versiossa {version}; mitään ei muutettu.",
        "changes_no_version": "Versiota ei löydy historiasta.",
        # errors
        "forbidden_title": "Ei oikeutta",
        "forbidden": "Tunnuksellasi ei ole oikeutta tälle sivulle.",
        "csrf_title": "Lomake vanhentui",
        "csrf": "Lomake ei ollut voimassa. Lataa sivu uudelleen ja yritä uudestaan.",
        "not_found_title": "Sivua ei löydy",
        "not_found": "Sivua ei löydy.",
    },
}


def text(key: str, lang: str = "fi", **values: object) -> str:
    template = TEXTS[lang][key]
    return template.format(**values) if values else template
