"""The v11 reader turns the raw PTV examples into project records faithfully,
and reports (never raises on) records of the wrong shape."""

from __future__ import annotations

import copy

import pytest

from studybots.ptv.records import ChannelRecord, RecordProblem, ServiceRecord
from studybots.ptv.v11 import PtvV11Reader
from tests.support.ptv_helpers import (
    CHANNEL_FILE,
    ETALUKIO,
    LIPERI,
    OTAVA,
    SERVICE_FILE,
    SERVICES_FILE,
    load,
)

reader = PtvV11Reader()


def read_one(data) -> ServiceRecord | ChannelRecord | RecordProblem:
    items = list(reader.read_document(data, "test"))
    assert len(items) == 1
    return items[0]


def test_service_texts_codes_organisations_terms_and_channels():
    s = read_one(load(SERVICE_FILE))
    assert isinstance(s, ServiceRecord) and s.id == ETALUKIO
    assert s.text("name") == "Nettilukio aikuisille"
    assert s.text("alt_name") == "Etälukio"
    assert s.text("summary") == "Aikuislukio verkko-opintoina."
    assert s.text("description").startswith("Nettilukiossa voit opiskella")
    assert s.text("user_instructions").startswith("Hae Nettilukioon")
    assert s.text("requirements").startswith("Nettilukio on aikuislukio")
    assert s.values("keyword")[:2] == ["etäopetus", "nettiopiskelu"]
    # null placeholders (ValidityTime, DeadLine, ...) are not texts
    assert not any(t.kind in ("validity_time", "deadline") for t in s.texts)
    assert ("service_class", "P6.10") in {(c.scheme, c.code) for c in s.classifications}
    assert ("target_group", "KR1") in {(c.scheme, c.code) for c in s.classifications}
    assert s.charge_type == "FreeOfCharge" and s.area_type == "Nationwide"
    assert s.modified == "2020-04-22T09:35:58.293984" and s.publishing_status == "Published"
    roles = {(o.name, o.role) for o in s.organisations}
    assert ("Mikkelin kaupungin liikelaitos Otavia", "Responsible") in roles
    assert ("Mikkelin kaupunki", "Producer") in roles
    term = next(t for t in s.ontology_terms if t.uri == "http://www.yso.fi/onto/koko/p7822")
    assert term.name("fi") == "itseopiskelu" and term.name("en") == "independent study"
    assert [c.channel_id for c in s.channels][:2] == ["16afd0e8-f069-4ded-9967-f220107494db", OTAVA]
    assert s.channels[0].texts[0].value.startswith("Sähköinen hakulomake")


def test_dict_of_services_with_municipality_areas():
    items = list(reader.read_document(load(SERVICES_FILE), "services.json"))
    assert [i.id for i in items] == [LIPERI]
    s = items[0]
    assert s.municipalities == ["426", "123"]
    names = {(p.code, p.language): p.name for p in s.place_names}
    assert names[("426", "fi")] == "Liperi" and names[("123", "fi")] == "Tohmajärvi"
    assert s.content_hash() == read_one(load(SERVICES_FILE)[LIPERI]).content_hash()


def test_service_location_channel():
    c = read_one(load(CHANNEL_FILE))
    assert isinstance(c, ChannelRecord) and c.id == OTAVA
    assert c.channel_type == "ServiceLocation" and c.text("name") == "Otavan Opisto / Otavia"
    assert c.phones[0].prefix == "+358" and c.phones[0].number == "447943552"
    assert c.phones[0].additional_information == "Opintoasiainvastaava"
    assert c.web_pages[0].url == "http://www.otavanopisto.fi/"
    address = c.addresses[0]
    assert (address.postal_code, address.street_number, address.municipality_code) == (
        "50670",
        "2 B",
        "491",
    )
    assert address.latitude == "6834688"
    street = [t for t in c.texts if t.kind == "street" and t.language == "fi"]
    assert street[0].value == "Otavantie" and street[0].position == 0
    hours = c.service_hours[0]
    assert hours.hour_type == "DaysOfTheWeek" and hours.valid_for_now is True
    assert [(o.day_from, o.time_from, o.time_to) for o in hours.openings][0] == (
        "Monday",
        "08:00:00",
        "16:00:00",
    )
    assert len(hours.openings) == 5
    assert "info@otavia.fi" in [t.value for t in c.texts if t.kind == "email"]


def test_page_and_list_shapes():
    service = load(SERVICE_FILE)
    page = {"pageNumber": 1, "pageSize": 2, "pageCount": 1, "itemList": [service, service]}
    assert [i.id for i in reader.read_document(page, "p")] == [ETALUKIO, ETALUKIO]
    assert [i.id for i in reader.read_document([service], "l")] == [ETALUKIO]
    assert list(reader.read_document({"pageNumber": 1, "itemList": None}, "p")) == []


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (lambda s: s.pop("id"), "PTV id"),
        (lambda s: s.update(id="not-a-guid"), "PTV id"),
        (lambda s: s.update(serviceNames=[]), "no name"),
        (lambda s: s.update(serviceNames="Nettilukio"), "'serviceNames' should be a list"),
        (lambda s: s.update(serviceClasses=[{"code": None, "name": []}]), "has no code"),
        (lambda s: s["organizations"][0].update(organization={"id": 42}), "organizations[0]"),
        (lambda s: s["serviceChannels"][1].update(serviceChannel=["x"]), "should be an object"),
        (
            lambda s: s["areas"].append(
                {"type": "Municipality", "municipalities": [{"code": "Turku"}]}
            ),
            "not a municipality code",
        ),
        (lambda s: s["serviceDescriptions"][4].update(value={"fi": "x"}), "should be text"),
    ],
)
def test_bad_records_are_reported_with_their_id(break_it, expected):
    service = copy.deepcopy(load(SERVICE_FILE))
    break_it(service)
    problem = read_one(service)
    assert isinstance(problem, RecordProblem), problem
    assert expected in problem.message
    if isinstance(service.get("id"), str):
        assert problem.record_id == service["id"]
    assert problem.source == "test"


def test_not_a_document():
    problem = read_one({"hello": "world"})
    assert isinstance(problem, RecordProblem)
    problem = read_one(42)
    assert "not a PTV v11 document" in problem.message
    bad_channel = read_one({**load(CHANNEL_FILE), "serviceChannelType": "Pigeon"})
    assert isinstance(bad_channel, RecordProblem) and bad_channel.record_id == OTAVA
