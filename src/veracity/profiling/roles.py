"""What a field is for, read from its name in English, German, French or Spanish.

A customer export names its columns for people: ``E-Mail-Adresse``, ``Téléphone``, ``Código
postal``. The profile shows each field's role and the starter rules (:mod:`veracity.rulegen`)
choose checks by it, so the names are matched forgivingly: case, accents (``ß`` as ``ss``),
separators and camelCase do not matter (``PostalCode``, ``postal_code``, ``Postal Code`` and
``postal-code`` are one name). A name matches a role when its words, joined, are one of the
role's names, or (for German-style compounds such as ``Telefonnummer``) start with one of its
stems. The values decide where the name does not (:mod:`veracity.rulegen`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = ["ROLES", "Role", "field_name", "normal_name", "role_of"]

Role = Literal[
    "id",
    "email",
    "phone",
    "country",
    "postal_code",
    "first_name",
    "last_name",
    "birth_date",
    "signup_date",
    "last_updated",
    "opt_in",
    "consent_date",
]

#: Each role's names (normalised: lower case, no accents, words joined without separators),
#: and the stems a compound name may start with. The first name is the field name the
#: starter rules give the role.
ROLES: dict[Role, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "email": (
        (
            "email",
            "mail",
            "emailaddress",
            "mailaddress",
            "emailadresse",
            "mailadresse",
            "courriel",
            "adressecourriel",
            "adresseemail",
            "adressemail",
            "correo",
            "correoelectronico",
            "eposta",
        ),
        ("email", "courriel", "correoelec"),
    ),
    "phone": (
        (
            "phone",
            "phonenumber",
            "telephone",
            "telephonenumber",
            "tel",
            "telno",
            "telefon",
            "telefonnummer",
            "telefono",
            "numerotelephone",
            "numerodetelephone",
            "mobile",
            "mobilephone",
            "mobil",
            "mobilnummer",
            "handy",
            "handynummer",
            "portable",
            "movil",
            "celular",
            "cell",
            "cellphone",
            "rufnummer",
        ),
        ("telefon", "telephon", "mobilnummer", "handynummer", "rufnummer"),
    ),
    "country": (
        (
            "country",
            "countrycode",
            "land",
            "laendercode",
            "landercode",
            "landcode",
            "staat",
            "pays",
            "codepays",
            "pais",
            "codigopais",
            "nation",
        ),
        (),
    ),
    "postal_code": (
        (
            "postalcode",
            "postcode",
            "zip",
            "zipcode",
            "plz",
            "postleitzahl",
            "codepostal",
            "cp",
            "codigopostal",
            "postal",
        ),
        ("postleitzahl",),
    ),
    "first_name": (
        ("firstname", "givenname", "forename", "vorname", "prenom", "nombre", "nombrepila"),
        ("vorname",),
    ),
    "last_name": (
        (
            "lastname",
            "surname",
            "familyname",
            "nachname",
            "familienname",
            "nom",
            "nomdefamille",
            "apellido",
            "apellidos",
        ),
        ("nachname", "familienname"),
    ),
    "birth_date": (
        (
            "birthdate",
            "dateofbirth",
            "dob",
            "birthday",
            "geburtsdatum",
            "geburtstag",
            "datedenaissance",
            "datenaissance",
            "fechadenacimiento",
            "fechanacimiento",
        ),
        ("geburtsdat",),
    ),
    "signup_date": (
        (
            "signupdate",
            "signup",
            "signedup",
            "signedupat",
            "createdat",
            "created",
            "createdon",
            "creationdate",
            "registrationdate",
            "registeredat",
            "customersince",
            "anmeldedatum",
            "registrierungsdatum",
            "erstelltam",
            "erstelldatum",
            "kundeseit",
            "datedinscription",
            "datecreation",
            "fechaderegistro",
            "fechadealta",
            "fechaalta",
        ),
        ("anmeldedat", "registrierungsdat", "erstelldat"),
    ),
    "last_updated": (
        (
            "lastupdated",
            "updatedat",
            "updated",
            "lastmodified",
            "modifiedat",
            "modified",
            "lastchange",
            "lastchanged",
            "letzteaenderung",
            "letzteanderung",
            "geaendertam",
            "geandertam",
            "aenderungsdatum",
            "anderungsdatum",
            "derniremiseajour",
            "dernieremiseajour",
            "misajour",
            "miseajour",
            "datedemiseajour",
            "datemodification",
            "ultimaactualizacion",
            "fechaactualizacion",
            "fechademodificacion",
            "actualizado",
        ),
        ("aenderungsdat", "anderungsdat", "letzteaend", "letzteand"),
    ),
    "opt_in": (
        (
            "optin",
            "marketingoptin",
            "emailoptin",
            "newsletter",
            "newsletteroptin",
            "marketingconsent",
            "consent",
            "consentgiven",
            "marketing",
            "einwilligung",
            "werbeeinwilligung",
            "marketingeinwilligung",
            "consentement",
            "optinmarketing",
            "consentimiento",
            "aceptamarketing",
        ),
        ("einwilligung", "werbeeinwilligung"),
    ),
    "consent_date": (
        (
            "consentdate",
            "consentat",
            "consentedat",
            "optindate",
            "optinat",
            "marketingconsentdate",
            "newsletterconsentat",
            "newsletterconsentdate",
            "einwilligungsdatum",
            "einwilligungam",
            "datedeconsentement",
            "dateconsentement",
            "fechadeconsentimiento",
            "fechaconsentimiento",
        ),
        ("einwilligungsdat",),
    ),
    "id": (
        (
            "id",
            "customerid",
            "customerno",
            "customernumber",
            "clientid",
            "accountid",
            "kundennummer",
            "kundenid",
            "kundennr",
            "idclient",
            "numeroclient",
            "identifiant",
            "idcliente",
            "numerocliente",
            "key",
            "recordid",
            "uuid",
        ),
        ("kundennummer",),
    ),
}

#: The field name the starter rules give each role.
_ROLE_FIELDS: dict[Role, str] = {
    "id": "customer_id",
    "email": "email",
    "phone": "phone",
    "country": "country",
    "postal_code": "postal_code",
    "first_name": "first_name",
    "last_name": "last_name",
    "birth_date": "birth_date",
    "signup_date": "signup_date",
    "last_updated": "last_updated",
    "opt_in": "marketing_opt_in",
    "consent_date": "consent_date",
}

_NAMES: dict[str, Role] = {name: role for role, (names, _) in ROLES.items() for name in names}
_STEMS: tuple[tuple[str, Role], ...] = tuple(
    (stem, role) for role, (_, stems) in ROLES.items() for stem in stems
)


def _words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("ẞ", "SS"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    plain = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", plain)
    return [word for word in re.split(r"[^0-9a-z]+", plain.lower()) if word]


def normal_name(name: str) -> str:
    """``name`` as roles are matched: lower case, accents removed, words joined."""
    return "".join(_words(name))


#: Last words that make a name an attribute of the role's value, not the value itself
#: (``email_status``, ``phone_type``, ``Telefon Typ``).
_QUALIFIERS = frozenset(
    {
        "status",
        "type",
        "typ",
        "valid",
        "verified",
        "flag",
        "count",
        "source",
        "quelle",
        "format",
        "kind",
        "art",
    }
)


def role_of(name: str) -> Role | None:
    """The role a field's name says, or None."""
    words = _words(name)
    joined = "".join(words)
    if not joined or (len(words) > 1 and words[-1] in _QUALIFIERS):
        return None
    if joined in _NAMES:
        return _NAMES[joined]
    for stem, role in _STEMS:
        if joined.startswith(stem):
            return role
    return None


def field_name(name: str, role: Role | None = None) -> str:
    """The snake_case field name for a column: the role's own name when it has one
    (``E-Mail-Adresse`` -> ``email``), else its words joined with ``_`` (``Kunden Segment`` ->
    ``kunden_segment``); ``field`` when the name has no letter or digit."""
    if role is not None:
        return _ROLE_FIELDS[role]
    words = _words(name)
    text = "_".join(words) or "field"
    return f"f_{text}" if text[0].isdigit() else text
