"""Names and street addresses in what students write (issue 16, point 2):
realistic messages with the personal part replaced and the rest kept, and
controls that must not change (terms, places, service names, streets asked
as places)."""

from __future__ import annotations

import pytest

from studybots.privacy import name_list
from studybots.privacy.names import ADDRESS, NAME, scrub_addresses, scrub_names
from studybots.privacy.scrub import EMAIL, HETU, PHONE, scrub

N, A = NAME, ADDRESS

# (message, expected after scrub)
REPLACED = [
    # Self-introductions, Finnish.
    ("Olen Matti Meikäläinen ja tarvitsen asunnon", f"Olen {N} ja tarvitsen asunnon"),
    ("olen matti ja muutan turkuun", f"olen {N} ja muutan turkuun"),
    ("Hei, olen Liisa Virtanen.", f"Hei, olen {N}."),
    ("Moi olen Juha, mistä saan verokortin?", f"Moi olen {N}, mistä saan verokortin?"),
    ("nimeni on Pekka Korhonen", f"nimeni on {N}"),
    ("Nimeni on Aino Laine ja opiskelen Turussa", f"Nimeni on {N} ja opiskelen Turussa"),
    ("minun nimeni on Eetu", f"minun nimeni on {N}"),
    ("mun nimi on Sanna Mäkinen", f"mun nimi on {N}"),
    ("mun nimi on jonna", f"mun nimi on {N}"),
    ("minun nimi on Ville Heikkinen, asun Kaarinassa", f"minun nimi on {N}, asun Kaarinassa"),
    (
        "Moi! Mun nimi on Zlatan Karvinen ja tarvitsen apua",
        f"Moi! Mun nimi on {N} ja tarvitsen apua",
    ),
    ("nimeni on Ahmed Ali", f"nimeni on {N}"),
    ("oon Jenni ja etsin kesätöitä", f"oon {N} ja etsin kesätöitä"),
    ("mä oon Kalle Nieminen", f"mä oon {N}"),
    ("olen Anna ja tarvitsen Kela-kortin", f"olen {N} ja tarvitsen Kela-kortin"),
    ("olen Onni Koskinen, uusi opiskelija", f"olen {N}, uusi opiskelija"),
    ("olen Kaarina Salo", f"olen {N}"),
    ("Olen Tuuli", f"Olen {N}"),
    # Swedish.
    ("jag heter Erik Johansson", f"jag heter {N}"),
    ("Jag heter Ebba och studerar i Åbo", f"Jag heter {N} och studerar i Åbo"),
    ("Hej, jag heter Anna Lindqvist", f"Hej, jag heter {N}"),
    ("mitt namn är Fredrik Nyström", f"mitt namn är {N}"),
    ("jag är Linnea och behöver hjälp med FPA", f"jag är {N} och behöver hjälp med FPA"),
    ("Jag är Johan Karlsson från Sverige", f"Jag är {N} från Sverige"),
    ("hej jag heter sara", f"hej jag heter {N}"),
    # English.
    ("my name is John Smith", f"my name is {N}"),
    ("My name is Priya and I study at UTU", f"My name is {N} and I study at UTU"),
    ("Hi, I'm Anna", f"Hi, I'm {N}"),
    ("I'm Mikko Virtanen from Oulu", f"I'm {N} from Oulu"),
    ("I’m Emma, where do I get a tax card?", f"I’m {N}, where do I get a tax card?"),
    ("I am Olivia Korhonen", f"I am {N}"),
    ("call me Matti", f"call me {N}"),
    ("my name's Wei Zhang", f"my name's {N}"),
    # Signatures.
    ("Kiitos avusta! Terveisin Liisa Mäkelä", f"Kiitos avusta! Terveisin {N}"),
    ("terveisin, Heikki", f"terveisin, {N}"),
    ("Ystävällisin terveisin\nTiina Lehtonen", f"Ystävällisin terveisin\n{N}"),
    ("mvh Jari", f"mvh {N}"),
    ("Med vänliga hälsningar, Johanna Sjöberg", f"Med vänliga hälsningar, {N}"),
    ("Best regards, Tom Hanks", f"Best regards, {N}"),
    # Names anywhere, with a known first name or surname.
    ("Matti Meikäläinen tarvitsee asunnon", f"{N} tarvitsee asunnon"),
    ("kämppikseni Mikko ei saa asumistukea", f"kämppikseni {N} ei saa asumistukea"),
    ("Voiko Liisa hakea opintotukea?", f"Voiko {N} hakea opintotukea?"),
    ("mun kaveri Jukka Heikkilä sanoi että", f"mun kaveri {N} sanoi että"),
    ("soitin Pirjo Salmiselle Kelaan", f"soitin {N} Kelaan"),
    ("Virtanen sanoi, että pitää hakea", f"{N} sanoi, että pitää hakea"),
    ("lähetin viestin Virtaselle", f"lähetin viestin {N}"),
    ("kysy Matilta", f"kysy {N}"),
    ("annoin avaimen Mikolle", f"annoin avaimen {N}"),
    ("isäni Timo Hämäläinen on takaaja", f"isäni {N} on takaaja"),
    ("matti virtanen kysyy asumistuesta", f"{N} kysyy asumistuesta"),
    ("minä ja liisa korhonen muutamme", f"minä ja {N} muutamme"),
    ("Anna Virtanen kysyy", f"{N} kysyy"),
    ("Onni Salonen tarvitsee tukea", f"{N} tarvitsee tukea"),
    ("poikaystäväni Erik Andersson muuttaa Turkuun", f"poikaystäväni {N} muuttaa Turkuun"),
    ("Anna-Liisa Jokinen", N),
    ("vuokranantaja Seppo Lahtinen ei vastaa", f"vuokranantaja {N} ei vastaa"),
    ("Tuomas ja Elina muuttavat yhteen", f"{N} ja {N} muuttavat yhteen"),
    ("opettaja Kristiina Saarinen", f"opettaja {N}"),
    ("Heikkinen tai Koskinen", f"{N} tai {N}"),
    ("Meikäläisen Matti", f"Meikäläisen {N}"),
    ("Tiedätkö missä Riikka Peltonen asuu?", f"Tiedätkö missä {N} asuu?"),
    ("lähetä se Johannalle", f"lähetä se {N}"),
    ("Marja-Leena Koponen on äitini", f"{N} on äitini"),
    ("puhuin Jaakon kanssa", f"puhuin {N} kanssa"),
    ("ystäväni Sofia Lindroos", f"ystäväni {N}"),
    ("Henrik Grönroos, Slottsgatan 2", f"{N}, {A}"),
    # Street addresses.
    ("asun Hämeenkatu 12 A 3", f"asun {A}"),
    ("osoite: Aurakatu 1", f"osoite: {A}"),
    ("Slottsgatan 2", A),
    ("uusi osoitteeni on Yliopistonkatu 5 B 12, 20100 Turku", f"uusi osoitteeni on {A}"),
    ("Olen Matti Meikäläinen, Hämeenkatu 12 A 3, 20100 Turku", f"Olen {N}, {A}"),
    ("asun Aurakadulla 5", f"asun {A}"),
    ("muutin Hämeenkadulle 20", f"muutin {A}"),
    ("asun Kaskenkatu 3:ssa", f"asun {A}"),
    ("Lemminkäisenkatu 14-18 C 40", A),
    ("postiosoite Humalistonkatu 7 as. 4", f"postiosoite {A}"),
    ("asun Itäinen Pitkäkatu 8 b", f"asun Itäinen {A}"),
    ("Ylioppilaskylä, Inspehtorinkatu 5 D 100", f"Ylioppilaskylä, {A}"),
    ("Kupittaantie 2, 20520 Turku", A),
    ("Ratapihankatu 36 Turku", f"{A} Turku"),
    ("asun nyt Vähä Hämeenkatu 1a", f"asun nyt Vähä {A}"),
    ("Tuureporinkatu 8 A 2, 20100 TURKU", A),
    ("bor på Tavastgatan 21 B", f"bor på {A}"),
    ("min adress är Auragatan 3, 20100 Åbo", f"min adress är {A}"),
    ("Mannerheimvägen 5 A 7, 00100 Helsingfors", A),
    ("flyttar till Slottsgatan 12 lgh 4", f"flyttar till {A}"),
    ("Storgatan 1", A),
    ("Linnankatu 7 ja Aurakatu 2", f"{A} ja {A}"),
    ("opiskelija-asunto Kurjenmäentie 3 C", f"opiskelija-asunto {A}"),
    ("asun Rieskalähteentiellä 70", f"asun {A}"),
    ("Koulukatu 24 as 5", A),
    ("asun osoitteessa Puolalankatu 1 A 1", f"asun osoitteessa {A}"),
    ("hämeenkatu 12 a 3", A),
    ("postinumero ja kaupunki 20540 Turku", f"postinumero ja kaupunki {A}"),
    ("20100 Turku", A),
    ("FI-20500 Åbo", A),
    ("21600 Parainen", A),
    ("Ruukinkatu 4, 20540 Turku", A),
    ("asun Lauttakylänkatu 9 A 5 ja tarvitsen asumistukea", f"asun {A} ja tarvitsen asumistukea"),
    # Everything at once.
    (
        "Olen Maija Mehiläinen, hetu 131052-308T, puh 040 123 4567, "
        "maija@utu.fi, asun Hämeenkatu 12 A 3, 20100 Turku",
        f"Olen {N}, hetu {HETU}, puh {PHONE}, {EMAIL}, asun {A}",
    ),
    (
        "moi mun nimi on Pekka ja asun Aurakatu 1, numero 0401234567",
        f"moi mun nimi on {N} ja asun {A}, numero {PHONE}",
    ),
    ("jag heter Erik, Slottsgatan 2, 20100 Åbo", f"jag heter {N}, {A}"),
    ("my name is Anna Virtanen, I live at Aurakatu 12 B 4", f"my name is {N}, I live at {A}"),
    ("Terveisin Jussi Salminen, Yliopistonkatu 3 A 1", f"Terveisin {N}, {A}"),
]

# Must come out exactly as they went in.
UNCHANGED = [
    # Terms of the catalogue.
    "mikä on Kela?",
    "mitä YTHS tekee",
    "Föli-kortti",
    "mikä on TYS",
    "Kela-kortti ja YTHS",
    "Mistä saan verokortin?",
    "Migri ja oleskelulupa",
    "DVV:n rekisteröinti",
    "Kelan asumistuki",
    "OmaKanta ja Kanta-palvelut",
    "HSL vai Föli",
    # Places.
    "muutan Turkuun",
    "asun Kaarinassa",
    "Kaarina on Turun naapurikunta",
    "olen Turussa",
    "olen Raisiosta",
    "asun Salossa",
    "Lahti vai Turku",
    "studerar i Åbo",
    "I'm from Helsinki",
    "I'm in Turku",
    "Ruissalo ja Kupittaa",
    "Aurajoen rannalla",
    # Streets asked as places (no house number): kept.
    "missä on Yliopistonkatu?",
    "Yliopistonkatu",
    "miten pääsen Yliopistonkadulle",
    "Aurakadulla on kahvila",
    "onko Hämeenkadulla bussipysäkki",
    "Slottsgatan i Åbo",
    "Linnankatu vai Aurakatu",
    # Service names and everyday words that look like names.
    "Anna minulle tietoa opintotuesta",
    "anna ohjeet",
    "Onni ja toivo",
    "Satu ja tarina",
    "Tuuli on kova",
    "olen opiskelija",
    "olen uusi täällä",
    "olen muuttamassa Turkuun",
    "oon vaihto-opiskelija",
    "I'm new here",
    "I am a student",
    "jag är student",
    "Pian muutan Turkuun",
    "Paavo, etsi palveluja",
    "Hei Tero",
    "Turun yliopisto",
    "Åbo Akademi",
    "Turun ammattikorkeakoulu",
    "Ylioppilaskylä",
    "palvelun nimi on Kela",
    "mikä sen nimi on",
    "the service name is Föli",
    "Vad heter Kela på svenska?",
    "bussilinja 6 kulkee Kupittaalle",
    "yhteishaku Opintopolku 2025",
    "Opintopolku 2025 haku",
    "Nimi ja osoite pitää ilmoittaa",
    # Numbers that are not addresses.
    "postinumero 20100",
    "vuokra on 350 euroa",
    "opintotuki 2025",
    "klo 9-16",
    "asunto 2 h + k",
    "maksoin 20000 euroa",
    "",
]


@pytest.mark.parametrize("text, expected", REPLACED)
def test_names_and_addresses_are_replaced(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_controls_stay_unchanged(text):
    assert scrub(text) == text


def test_there_are_at_least_100_examples():
    assert len(REPLACED) >= 100, len(REPLACED)


@pytest.mark.parametrize("text", [t for t, _ in REPLACED] + UNCHANGED)
def test_idempotent(text):
    once = scrub(text)
    assert scrub(once) == once


def test_placeholders_are_not_names_or_addresses():
    for text in (f"olen {N}", f"nimeni on {N} {N}", f"{A} {A}", f"asun {A}, {A}"):
        assert scrub_names(scrub_addresses(text)) == text


def test_every_listed_name_is_found_after_a_self_introduction():
    for name in name_list.FIRST_NAMES + name_list.SURNAMES:
        assert scrub(f"nimeni on {name}") == f"nimeni on {N}", name


def test_unambiguous_names_are_found_alone():
    for name in name_list.FIRST_NAMES + name_list.SURNAMES:
        if name not in name_list.AMBIGUOUS:
            assert scrub(f"kysyin {name} asiaa") == f"kysyin {N} asiaa", name


def test_hostile_input_does_not_raise():
    for text in (
        "olen " * 2000,
        "katu 1 " * 1000,
        "Matti " * 3000,
        "nimeni on",
        "olen",
        "-" * 5000,
    ):
        scrub(text)
