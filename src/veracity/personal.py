"""Whether a field holds personal data, read from its name (English, German, French, Spanish).

Reports show the values of failing records so that a steward can recognise the defect, but most
customer fields are personal data. The name of a field usually says which kind it is:

- **personal** — contact data (e-mail, phone), names, addresses and their parts, birth dates,
  gender, identity and bank numbers: masked, in the shape of an e-mail or a phone number when
  the name says so;
- **not personal** — codes, statuses, tiers, segments, categories, countries and regions,
  currencies, languages, channels, flags and opt-ins, record dates (``last_updated``,
  ``signup_date``, ``Erstelldatum``): shown, because ``2***1`` or ``***`` helps nobody;
- an attribute *of* personal data (``email_status``, ``phone_type``, ``address_updated_at``)
  is not personal itself: shown;
- anything else is masked: an unknown name is treated as personal until the rule file says
  ``fields: {NAME: {personal: false}}``.

Matching is on the name's words (split at separators and camelCase, accents removed, ``ß`` as
``ss``) and, for German-style compounds, on word stems inside them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = ["NameKind", "name_kind"]

NameKind = Literal["email", "phone", "text", "shown"]

# Stems found anywhere in the joined name (compounds such as "Emailadresse", "Telefonnummer").
_EMAIL_STEMS = ("email", "mail", "courriel", "correo")
_PHONE_STEMS = ("phone", "telefon", "mobil", "handy", "movil", "celular", "rufnummer", "fax")
_BIRTH_STEMS = ("birth", "geburt", "naissance", "nacimiento")
_PERSON_STEMS = (
    *_BIRTH_STEMS,
    "name",
    "nombre",
    "apellido",
    "prenom",
    "anrede",
    "salutation",
    "address",
    "adress",
    "anschrift",
    "direccion",
    "domicile",
    "domicilio",
    "wohnort",
    "strasse",
    "street",
    "calle",
    "hausnummer",
    "postcode",
    "postal",
    "zipcode",
    "postleitzahl",
    "gender",
    "geschlecht",
    "sexe",
    "sexo",
    "iban",
    "passport",
    "reisepass",
    "ausweis",
    "socialsecurity",
    "steuerid",
    "taxid",
    "kontakt",
    "contact",
    "signature",
    "ipaddress",
    "national",
)
# Whole words only: short ones would match inside unrelated words ("ort" in "report").
_PHONE_WORDS = frozenset({"tel", "tell", "cell", "mobile", "gsm", "portable"})
_PERSON_WORDS = frozenset(
    {"nom", "zip", "plz", "ort", "city", "stadt", "ville", "ciudad", "town", "dob", "ip", "rue", "ssn", "age"}
)
# The last word of a name that describes an attribute of personal data, not the data itself.
_QUALIFIERS = frozenset(
    {
        "status",
        "state",
        "flag",
        "opt",
        "optin",
        "in",
        "out",
        "optout",
        "consent",
        "verified",
        "valid",
        "validated",
        "confirmed",
        "bounced",
        "type",
        "kind",
        "count",
        "source",
        "format",
        "quality",
        "score",
        "updated",
        "changed",
        "modified",
        "created",
        "at",
        "date",
        "datum",
        "fecha",
    }
)
_SHOWN_STEMS = (
    "datum",
    "date",
    "fecha",
    "timestamp",
    "updated",
    "created",
    "modified",
    "changed",
    "geaendert",
    "geandert",
    "erstellt",
    "aktualisiert",
    "status",
    "kategorie",
    "category",
    "categoria",
    "categorie",
    "country",
    "segment",
    "currency",
    "waehrung",
    "wahrung",
    "devise",
    "moneda",
    "language",
    "sprache",
    "langue",
    "idioma",
    "consent",
    "einwilligung",
    "optin",
    "tier",
)
_SHOWN_WORDS = frozenset(
    {
        "id",
        "code",
        "state",
        "level",
        "type",
        "typ",
        "class",
        "klasse",
        "land",
        "pays",
        "pais",
        "region",
        "locale",
        "lang",
        "channel",
        "kanal",
        "canal",
        "source",
        "quelle",
        "plan",
        "product",
        "produkt",
        "score",
        "count",
        "anzahl",
        "flag",
        "opt",
        "time",
        "zeit",
        "at",
        "since",
        "year",
        "jahr",
        "month",
        "valid",
        "verified",
        "active",
        "aktiv",
        "enabled",
        "deleted",
        "is",
        "has",
        "version",
        "priority",
        "rating",
    }
)


def name_kind(name: str) -> NameKind:
    """How a field's values are shown, judged from its name (see the module docstring)."""
    words = _words(name)
    joined = "".join(words)
    if not words:
        return "text"
    if any(stem in joined for stem in _BIRTH_STEMS):
        return "text"
    personal: NameKind | None = None
    if any(stem in joined for stem in _EMAIL_STEMS):
        personal = "email"
    elif any(stem in joined for stem in _PHONE_STEMS) or _PHONE_WORDS.intersection(words):
        personal = "phone"
    elif any(stem in joined for stem in _PERSON_STEMS) or _PERSON_WORDS.intersection(words):
        personal = "text"
    if personal is not None:
        return "shown" if len(words) > 1 and words[-1] in _QUALIFIERS else personal
    if any(stem in joined for stem in _SHOWN_STEMS) or _SHOWN_WORDS.intersection(words):
        return "shown"
    return "text"


def _words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("ẞ", "SS"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    plain = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", plain)
    return [word for word in re.split(r"[^0-9a-z]+", plain.lower()) if word]
