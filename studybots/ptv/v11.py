"""Reader of the PTV open API v11 wire format (api/v11, JSON).

Turns v11 Service and ServiceChannel objects into the project's records
(`studybots.ptv.records`). Nothing outside this module knows v11 field names.
Every field is type-checked: a record with a wrong shape is reported with its
id and skipped, never half-read. Missing optional fields are simply empty.
Field tables: /work/shared/data/ptv/ptv_v11_models_summary.txt (see
catalogue/SOURCES.md).
"""

from __future__ import annotations

import builtins
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from studybots.ptv.records import (
    Address,
    AreaRecord,
    ChannelLink,
    ChannelRecord,
    Classification,
    Item,
    LocalText,
    OntologyTermRecord,
    OpeningTime,
    OrganisationRole,
    Phone,
    PlaceName,
    RecordError,
    RecordProblem,
    ServiceHour,
    ServiceRecord,
    WebPage,
)

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

SERVICE_NAME_KINDS = {"Name": "name", "AlternativeName": "alt_name", "AlternateName": "alt_name"}
SERVICE_DESCRIPTION_KINDS = {
    "Description": "description",
    "Summary": "summary",
    "ShortDescription": "summary",
    "UserInstruction": "user_instructions",
    "ServiceUserInstruction": "user_instructions",
    "ChargeTypeAdditionalInfo": "charge_info",
    "DeadLine": "deadline",
    "ProcessingTime": "processing_time",
    "ValidityTime": "validity_time",
    "GDServiceUserInstruction": "gd_user_instructions",
    "BackgroundDescription": "background_description",
}
CLASSIFICATION_FIELDS = (
    ("serviceClasses", "service_class"),
    ("targetGroups", "target_group"),
    ("lifeEvents", "life_event"),
    ("industrialClasses", "industrial_class"),
)
NO_ID = "(no id)"
CHANNEL_TYPES = {"EChannel", "WebPage", "PrintableForm", "Phone", "ServiceLocation"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class _Reader:
    """Type-checked access to one wire record; errors name the record id."""

    def __init__(self, record_id: str):
        self.record_id = record_id

    def fail(self, message: str) -> RecordError:
        return RecordError(self.record_id, message)

    def obj(self, value: Any, where: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"'{where}' should be an object, is {type(value).__name__}")
        return value

    def list(self, parent: dict, key: str, where: str = "") -> list:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"'{where or key}' should be a list, is {type(value).__name__}")
        return value

    def items(self, parent: dict, key: str, where: str = "") -> builtins.list[dict]:
        where = where or key
        return [self.obj(v, f"{where}[{i}]") for i, v in enumerate(self.list(parent, key, where))]

    def str(self, parent: dict, key: str, where: str = "") -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(f"'{where or key}' should be text, is {type(value).__name__}")
        return str(value)

    def bool(self, parent: dict, key: builtins.str, where: builtins.str = "") -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"'{where or key}' should be true or false, is {value!r}")

    def guid(self, value: Any, where: builtins.str) -> builtins.str:
        if not isinstance(value, str) or not GUID.match(value):
            raise self.fail(f"'{where}' is not a PTV id (GUID): {value!r}")
        return value.lower()

    def language_items(
        self, parent: dict, key: builtins.str, where: builtins.str = ""
    ) -> builtins.list[tuple[builtins.str, builtins.str, builtins.str | None]]:
        """(language, value, type) of a list of localised items; items
        without a value are left out (PTV sends null placeholders)."""
        out = []
        for i, item in enumerate(self.items(parent, key, where)):
            value = self.str(item, "value", f"{where or key}[{i}].value")
            if value is None or not value.strip():
                continue
            language = self.str(item, "language", f"{where or key}[{i}].language") or ""
            out.append((language, value, self.str(item, "type", f"{where or key}[{i}].type")))
        return out


class _Texts:
    """Collects LocalTexts, numbering repeated (kind, language) pairs."""

    def __init__(self) -> None:
        self.texts: list[LocalText] = []
        self._count: Counter = Counter()

    def add(self, kind: str, language: str, value: str, position: int | None = None) -> None:
        if position is None:
            position = self._count[(kind, language)]
            self._count[(kind, language)] += 1
        self.texts.append(LocalText(kind, language, value, position))

    def result(self) -> tuple[LocalText, ...]:
        seen = set()
        out = []
        for t in self.texts:  # a repeated key keeps its first value
            key = (t.kind, t.language, t.position)
            if key not in seen:
                seen.add(key)
                out.append(t)
        return tuple(out)


def _unique(values) -> tuple:
    return tuple(dict.fromkeys(values))


def _names_and_descriptions(r: _Reader, item: dict, names: str, descriptions: str) -> _Texts:
    """The names (at least one of type Name) and descriptions of a service or
    a channel, per language, under the project's text kinds."""
    texts = _Texts()
    for lang, value, kind in r.language_items(item, names):
        texts.add(SERVICE_NAME_KINDS.get(kind or "Name", _snake(kind or "name")), lang, value)
    if not any(t.kind == "name" for t in texts.texts):
        raise r.fail(f"has no name ({names} has no value of type Name)")
    for lang, value, kind in r.language_items(item, descriptions):
        texts.add(
            SERVICE_DESCRIPTION_KINDS.get(kind or "Description", _snake(kind or "")), lang, value
        )
    return texts


class PtvV11Reader:
    version = "v11"

    # ------------------------------------------------------------ documents
    def read_document(self, data: object, source: str) -> Iterator[Item]:
        if isinstance(data, list):
            yield from self._read_items(data, source)
        elif isinstance(data, dict) and "itemList" in data:
            items = data.get("itemList")
            if items is None:
                return
            if not isinstance(items, list):
                yield RecordProblem(source, "-", "'itemList' is not a list")
                return
            yield from self._read_items(items, source)
        elif isinstance(data, dict) and ("serviceNames" in data or "serviceChannelType" in data):
            yield self.read_item(data, source, "#0")
        elif isinstance(data, dict) and data:
            # A dict of services or channels keyed by their id.
            for position, (key, item) in enumerate(data.items()):
                item_result = self.read_item(
                    item, source, key if isinstance(key, str) else f"#{position}"
                )
                if (
                    isinstance(item, dict)
                    and isinstance(item.get("id"), str)
                    and isinstance(item_result, (ServiceRecord, ChannelRecord))
                    and item_result.id != key.lower()
                ):
                    yield RecordProblem(
                        source, key, f"key does not match the record's id {item['id']}"
                    )
                    continue
                yield item_result
        else:
            yield RecordProblem(
                source,
                "-",
                "not a PTV v11 document (service, channel, "
                "page with itemList, list or dict of them)",
            )

    def _read_items(self, items: list, source: str) -> Iterator[Item]:
        for position, item in enumerate(items):
            yield self.read_item(item, source, f"#{position}")

    def read_item(self, item: object, source: str, fallback_id: str) -> Item:
        record_id = fallback_id
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            record_id = item["id"]
        try:
            if not isinstance(item, dict):
                raise RecordError(record_id, f"should be an object, is {type(item).__name__}")
            if "serviceChannelType" in item:
                return self.read_channel(item)
            return self.read_service(item)
        except RecordError as exc:
            # A record without a usable id is named by its place in the document.
            return RecordProblem(
                source, record_id if exc.record_id == NO_ID else exc.record_id, exc.message
            )
        except Exception as exc:
            return RecordProblem(source, record_id, f"unreadable ({type(exc).__name__}: {exc})")

    # -------------------------------------------------------------- shared
    def _areas(
        self, r: _Reader, item: dict
    ) -> tuple[tuple[AreaRecord, ...], tuple[PlaceName, ...]]:
        areas: list[AreaRecord] = []
        names: list[PlaceName] = []
        for i, area in enumerate(r.items(item, "areas")):
            area_type = r.str(area, "type", f"areas[{i}].type") or ""
            code = r.str(area, "code", f"areas[{i}].code") or ""
            if code:
                for lang, value, _ in r.language_items(area, "name", f"areas[{i}].name"):
                    names.append(PlaceName(area_type, code, lang, value))
            municipalities = r.items(area, "municipalities", f"areas[{i}].municipalities")
            for j, m in enumerate(municipalities):
                m_code = self._municipality(r, m, f"areas[{i}].municipalities[{j}]", names)
                areas.append(
                    AreaRecord(area_type, "" if area_type == "Municipality" else code, m_code)
                )
            if not municipalities:
                areas.append(
                    AreaRecord(area_type, code, code if area_type == "Municipality" else "")
                )
        for j, m in enumerate(r.items(item, "areaMunicipalities")):
            areas.append(
                AreaRecord(
                    "Municipality", "", self._municipality(r, m, f"areaMunicipalities[{j}]", names)
                )
            )
        return _unique(areas), _unique(names)

    def _municipality(self, r: _Reader, m: dict, where: str, names: list[PlaceName]) -> str:
        code = r.str(m, "code", f"{where}.code") or ""
        if code and not re.fullmatch(r"\d{1,3}", code):
            raise r.fail(f"'{where}.code' is not a municipality code: {code!r}")
        code = code.zfill(3) if code else ""
        if code:
            for lang, value, _ in r.language_items(m, "name", f"{where}.name"):
                names.append(PlaceName("Municipality", code, lang, value))
        return code

    # ------------------------------------------------------------- service
    def read_service(self, item: dict) -> ServiceRecord:
        item_id = item.get("id")
        r = _Reader(item_id if isinstance(item_id, str) and item_id else NO_ID)
        record_id = r.guid(item.get("id"), "id")
        texts = _names_and_descriptions(r, item, "serviceNames", "serviceDescriptions")
        for lang, value, _ in r.language_items(item, "requirements"):
            texts.add("requirements", lang, value)
        for lang, value, _ in r.language_items(item, "keywords"):
            texts.add("keyword", lang, value)
        for i, law in enumerate(r.items(item, "legislation")):
            for lang, value, _ in r.language_items(law, "names", f"legislation[{i}].names"):
                texts.add("legislation", lang, value, i)
            for j, page in enumerate(r.items(law, "webPages", f"legislation[{i}].webPages")):
                url = r.str(page, "url", f"legislation[{i}].webPages[{j}].url")
                if url:
                    texts.add("legislation_url", r.str(page, "language") or "", url, i)
        for i, voucher in enumerate(r.items(item, "serviceVouchers")):
            voucher_value = r.str(voucher, "value", f"serviceVouchers[{i}].value")
            language = r.str(voucher, "language", f"serviceVouchers[{i}].language") or ""
            if voucher_value:
                texts.add("voucher", language, voucher_value, i)
            url = r.str(voucher, "url", f"serviceVouchers[{i}].url")
            if url:
                texts.add("voucher_url", language, url, i)

        classifications = []
        for key, scheme in CLASSIFICATION_FIELDS:
            for i, c in enumerate(r.items(item, key)):
                code = r.str(c, "code", f"{key}[{i}].code")
                if not code:
                    raise r.fail(f"'{key}[{i}]' has no code")
                uri = (
                    r.str(c, "newUri", f"{key}[{i}].newUri")
                    or r.str(c, "uri", f"{key}[{i}].uri")
                    or ""
                )
                classifications.append(Classification(scheme, code, uri))
        seen_codes = set()
        unique_classifications = []
        for cl in classifications:
            if (cl.scheme, cl.code) not in seen_codes:
                seen_codes.add((cl.scheme, cl.code))
                unique_classifications.append(cl)

        terms: dict[str, OntologyTermRecord] = {}
        for i, t in enumerate(r.items(item, "ontologyTerms")):
            term_uri = r.str(t, "uri", f"ontologyTerms[{i}].uri")
            if not term_uri:
                raise r.fail(f"'ontologyTerms[{i}]' has no uri")
            names = tuple(
                (lang, value)
                for lang, value, _ in r.language_items(t, "name", f"ontologyTerms[{i}].name")
            )
            terms.setdefault(
                term_uri,
                OntologyTermRecord(
                    uri=term_uri,
                    ontology_type=r.str(t, "ontologyType", f"ontologyTerms[{i}].ontologyType")
                    or "",
                    code=r.str(t, "code", f"ontologyTerms[{i}].code"),
                    parent_uri=r.str(t, "parentUri", f"ontologyTerms[{i}].parentUri"),
                    names=names,
                ),
            )

        organisations: dict[tuple[str, str], OrganisationRole] = {}
        for i, o in enumerate(r.items(item, "organizations")):
            org = r.obj(o.get("organization"), f"organizations[{i}].organization")
            org_id = org.get("id") or o.get("organizationId")
            if org_id is None:
                raise r.fail(f"'organizations[{i}]' has no organisation id")
            org_id = r.guid(org_id, f"organizations[{i}].organization.id")
            role = r.str(o, "roleType", f"organizations[{i}].roleType") or ""
            organisations.setdefault(
                (org_id, role),
                OrganisationRole(
                    org_id,
                    r.str(org, "name", f"organizations[{i}].organization.name") or "",
                    role,
                    r.str(o, "provisionType", f"organizations[{i}].provisionType"),
                ),
            )

        links: dict[str, ChannelLink] = {}
        for i, link in enumerate(r.items(item, "serviceChannels")):
            channel = r.obj(link.get("serviceChannel"), f"serviceChannels[{i}].serviceChannel")
            channel_id = r.guid(channel.get("id"), f"serviceChannels[{i}].serviceChannel.id")
            link_texts = _Texts()
            for lang, value, kind in r.language_items(
                link, "description", f"serviceChannels[{i}].description"
            ):
                link_texts.add(
                    SERVICE_DESCRIPTION_KINDS.get(kind or "Description", _snake(kind or "")),
                    lang,
                    value,
                )
            links.setdefault(
                channel_id,
                ChannelLink(
                    channel_id=channel_id,
                    channel_name=r.str(channel, "name", f"serviceChannels[{i}].serviceChannel.name")
                    or "",
                    position=len(links),
                    charge_type=r.str(
                        link, "serviceChargeType", f"serviceChannels[{i}].serviceChargeType"
                    ),
                    modified=r.str(link, "modified", f"serviceChannels[{i}].modified"),
                    texts=link_texts.result(),
                ),
            )

        areas, place_names = self._areas(r, item)
        languages = tuple(str(x) for x in r.list(item, "languages"))
        return ServiceRecord(
            id=record_id,
            service_type=r.str(item, "type") or "Service",
            funding_type=r.str(item, "fundingType"),
            charge_type=r.str(item, "serviceChargeType"),
            area_type=r.str(item, "areaType"),
            publishing_status=r.str(item, "publishingStatus"),
            modified=r.str(item, "modified"),
            languages=languages,
            texts=texts.result(),
            classifications=tuple(unique_classifications),
            ontology_terms=tuple(terms.values()),
            organisations=tuple(organisations.values()),
            areas=areas,
            place_names=place_names,
            channels=tuple(links.values()),
        )

    # ------------------------------------------------------------- channel
    def read_channel(self, item: dict) -> ChannelRecord:
        item_id = item.get("id")
        r = _Reader(item_id if isinstance(item_id, str) and item_id else NO_ID)
        record_id = r.guid(item.get("id"), "id")
        channel_type = r.str(item, "serviceChannelType")
        if channel_type not in CHANNEL_TYPES:
            raise r.fail(f"unknown serviceChannelType {channel_type!r}")
        texts = _names_and_descriptions(
            r, item, "serviceChannelNames", "serviceChannelDescriptions"
        )
        for key in ("emails", "supportEmails"):
            for lang, value, _ in r.language_items(item, key):
                texts.add("email", lang, value)

        phones: list[Phone] = []
        for key in ("phoneNumbers", "supportPhones"):
            for i, p in enumerate(r.items(item, key)):
                number = r.str(p, "number", f"{key}[{i}].number")
                if not number:
                    raise r.fail(f"'{key}[{i}]' has no number")
                phones.append(
                    Phone(
                        position=len(phones),
                        number=number,
                        prefix=r.str(p, "prefixNumber", f"{key}[{i}].prefixNumber"),
                        phone_type=(r.str(p, "type", f"{key}[{i}].type") or "Phone")
                        if key == "phoneNumbers"
                        else "Support",
                        language=r.str(p, "language", f"{key}[{i}].language"),
                        is_finnish_service_number=r.bool(
                            p, "isFinnishServiceNumber", f"{key}[{i}].isFinnishServiceNumber"
                        ),
                        charge_type=r.str(p, "serviceChargeType", f"{key}[{i}].serviceChargeType"),
                        charge_description=r.str(
                            p, "chargeDescription", f"{key}[{i}].chargeDescription"
                        ),
                        additional_information=r.str(
                            p, "additionalInformation", f"{key}[{i}].additionalInformation"
                        ),
                    )
                )

        pages: list[WebPage] = []
        for key in ("webPages", "channelUrls"):
            for i, w in enumerate(r.items(item, key)):
                url = r.str(w, "url", f"{key}[{i}].url")
                if not url:
                    continue
                pages.append(
                    WebPage(
                        len(pages),
                        url,
                        r.str(w, "value", f"{key}[{i}].value"),
                        r.str(w, "language", f"{key}[{i}].language"),
                    )
                )

        addresses = []
        address_names: list[PlaceName] = []
        for i, a in enumerate(r.items(item, "addresses")):
            where = f"addresses[{i}]"
            street = r.obj(a.get("streetAddress"), f"{where}.streetAddress")
            box = r.obj(a.get("postOfficeBoxAddress"), f"{where}.postOfficeBoxAddress")
            part = street or box
            municipality = r.obj(part.get("municipality"), f"{where}.municipality")
            municipality_code = (
                self._municipality(r, municipality, f"{where}.municipality", address_names) or None
                if municipality
                else None
            )
            for lang, value, _ in r.language_items(street, "street", f"{where}.street"):
                texts.add("street", lang, value, i)
            for lang, value, _ in r.language_items(box, "postOfficeBox", f"{where}.postOfficeBox"):
                texts.add("post_office_box", lang, value, i)
            for lang, value, _ in r.language_items(part, "postOffice", f"{where}.postOffice"):
                texts.add("post_office", lang, value, i)
            for lang, value, _ in r.language_items(
                part, "additionalInformation", f"{where}.additionalInformation"
            ):
                texts.add("address_info", lang, value, i)
            for lang, value, _ in r.language_items(a, "locationAbroad", f"{where}.locationAbroad"):
                texts.add("location_abroad", lang, value, i)
            addresses.append(
                Address(
                    position=i,
                    address_type=r.str(a, "type", f"{where}.type"),
                    sub_type=r.str(a, "subType", f"{where}.subType"),
                    street_number=r.str(street, "streetNumber", f"{where}.streetNumber"),
                    postal_code=r.str(part, "postalCode", f"{where}.postalCode"),
                    municipality_code=municipality_code,
                    country=r.str(a, "country", f"{where}.country"),
                    latitude=r.str(street, "latitude", f"{where}.latitude"),
                    longitude=r.str(street, "longitude", f"{where}.longitude"),
                    coordinate_state=r.str(street, "coordinateState", f"{where}.coordinateState"),
                )
            )

        hours = []
        for i, h in enumerate(r.items(item, "serviceHours")):
            where = f"serviceHours[{i}]"
            for lang, value, _ in r.language_items(
                h, "additionalInformation", f"{where}.additionalInformation"
            ):
                texts.add("hours_info", lang, value, i)
            openings = tuple(
                OpeningTime(
                    j,
                    r.str(o, "dayFrom", f"{where}.openingHour[{j}].dayFrom"),
                    r.str(o, "dayTo", f"{where}.openingHour[{j}].dayTo") or None,
                    r.str(o, "from", f"{where}.openingHour[{j}].from"),
                    r.str(o, "to", f"{where}.openingHour[{j}].to"),
                )
                for j, o in enumerate(r.items(h, "openingHour", f"{where}.openingHour"))
            )
            hours.append(
                ServiceHour(
                    position=i,
                    hour_type=r.str(h, "serviceHourType", f"{where}.serviceHourType"),
                    valid_from=r.str(h, "validFrom", f"{where}.validFrom"),
                    valid_to=r.str(h, "validTo", f"{where}.validTo"),
                    is_closed=r.bool(h, "isClosed", f"{where}.isClosed"),
                    valid_for_now=r.bool(h, "validForNow", f"{where}.validForNow"),
                    is_always_open=r.bool(h, "isAlwaysOpen", f"{where}.isAlwaysOpen"),
                    is_reservation=r.bool(h, "isReservation", f"{where}.isReservation"),
                    openings=openings,
                )
            )

        areas, place_names = self._areas(r, item)
        organisation_id = item.get("organizationId")
        return ChannelRecord(
            id=record_id,
            channel_type=channel_type,
            organisation_id=r.guid(organisation_id, "organizationId") if organisation_id else None,
            area_type=r.str(item, "areaType"),
            publishing_status=r.str(item, "publishingStatus"),
            modified=r.str(item, "modified"),
            languages=tuple(str(x) for x in r.list(item, "languages")),
            texts=texts.result(),
            phones=tuple(phones),
            web_pages=tuple(pages),
            addresses=tuple(addresses),
            service_hours=tuple(hours),
            areas=areas,
            place_names=_unique(place_names + tuple(address_names)),
        )
