"""Vectorised e-mail verdicts that are certain to equal email-validator's.

:func:`email_verdicts` judges a whole column with a handful of polars string operations and
says ``True`` or ``False`` only where the library's verdict (``validate_email(value,
check_deliverability=False)``, every other option at its default) is certain; everything else is
``null`` and goes to the library. The rules below are derived from email-validator's source
(``validate_email.py``, ``syntax.py``, ``rfc_constants.py``); each one names the library step
that makes it certain. The library is exact, the fast path is only allowed to agree with it.

What is decided
    * Any value without an ``@`` fails: ``split_email`` finds no @-sign (and an address in angle
      brackets still needs one), so it raises whatever else the value holds.
    * Any value starting or ending with ASCII white space fails. A leading one lands in the
      local part, which is then neither dot-atom (ASCII or internationalised: ASCII spaces are
      in neither alphabet) nor quoted (quoting must start at the first character); a trailing
      one lands in the domain, whose alphabet has no ASCII space, and is not a bracketed
      literal (that must end with ``]``). If the split goes the display-name way instead
      (``Name <addr>``), the address fails anyway: display names are not allowed by default.
    * Every other pure-ASCII value without ``"`` and ``<`` is decided completely unless its
      domain contains ``--``. Without quotes and angle brackets, the split is at the first
      ``@`` (Unicode normalisation never changes ASCII text, so no character "combines" with
      an @-sign); the local part is valid iff it matches the library's ``DOT_ATOM_TEXT`` (the
      internationalised alphabet adds only non-ASCII characters, and the local-part length
      limit applies only in strict mode); an ASCII domain is valid iff it is dot-separated
      hostname labels of at most 63 characters, letters, digits and inner hyphens (``check_dot_
      atom``, ``DOT_ATOM_TEXT_HOSTNAME``, ``DNS_LABEL_LENGTH_LIMIT``), has a dot and ends with
      a letter (the ``globally_deliverable`` rules), and is not under a special-use name
      (``SPECIAL_USE_DOMAIN_NAMES``, compared after UTS-46 mapping, which only lower-cases
      ASCII letters); the whole address is at most 254 octets (``validate_email_length``; the
      normalised and IDNA forms of an ASCII address have the same length, and a 253-octet
      domain limit can never bind when the address has at most 254). A domain with ``--``
      goes to the library: labels with ``--`` in third and fourth position are R-LDH labels
      (rejected) or Punycode (``xn--``, checked with the idna package), which is not redone
      here.

How it runs
    One regex picks the values of the usual shape (dot-atom local part, one @-sign, a hostname
    domain ending with a letter): for them every rule above but the domain's ``--``, label
    lengths, special-use names and the address length is already settled, so only those four
    tests run. Of the others, a plain value (ASCII, no quote or angle bracket) without ``--`` is
    invalid outright: had its local part and domain passed their rules it would be of the usual
    shape. Only what is left (non-ASCII, quoted or bracketed values, ``--``) is split at its
    @-sign and judged rule by rule. A malformed value thus costs less than a valid one (the
    regex and three cheap tests), and a million mostly valid addresses about half of what
    judging all of them rule by rule did.

What goes to the library
    Non-ASCII values (internationalised local parts and domains, Unicode look-alikes), values
    with quotes or angle brackets (quoted local parts, display names), and domains with
    ``--``. In customer data that is a small minority; the library is called once per distinct
    such value.

Soundness guard
    The rules assume email-validator's default options and its alphabets and limits as of
    version 2.x. :func:`fast_path_applies` checks those against the installed library (its
    module-level defaults can be changed by an application at run time); when anything differs,
    :func:`email_verdicts` decides nothing and every value goes to the library.
"""

from __future__ import annotations

import re

import polars as pl

from veracity._cores import spread

__all__ = ["email_verdicts", "fast_path_applies"]

#: RFC 5322 atext, as email-validator's ``ATEXT`` spells it; in Rust regex syntax (every
#: punctuation character escaped, so ``&&``, ``--`` and ``~~`` cannot form class operators).
_ATEXT_CHARS = "A-Za-z0-9" + "".join("\\" + c for c in "!#$%&'*+-/=?^_`{|}~")
_ATEXT_PUNCTUATION = frozenset("!#$%&'*+-/=?^_`{|}~")
_ATEXT = f"[{_ATEXT_CHARS}]"
#: email-validator's DOT_ATOM_TEXT: atext runs separated by single dots.
_LOCAL = f"^{_ATEXT}+(?:\\.{_ATEXT}+)*$"
#: Hostname labels (HOSTNAME_LABEL), at least two, the last ending with a letter
#: (DOMAIN_NAME_REGEX). Label length is checked separately (a 64-character run, below).
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = f"^(?:{_LABEL}\\.)+(?:[A-Za-z0-9][A-Za-z0-9-]*)?[A-Za-z]$"
_ASCII_WHITESPACE = "[\\t\\n\\x0B\\x0C\\r ]"

#: The module-level defaults of email-validator the rules above rely on.
_ASSUMED_DEFAULTS = {
    "ALLOW_EMPTY_LOCAL": False,
    "ALLOW_DOMAIN_LITERAL": False,
    "ALLOW_DISPLAY_NAME": False,
    "STRICT": False,
    "GLOBALLY_DELIVERABLE": True,
    "TEST_ENVIRONMENT": False,
}
_ASSUMED_LIMITS = {"EMAIL_MAX_LENGTH": 254, "DNS_LABEL_LENGTH_LIMIT": 63, "DOMAIN_MAX_LENGTH": 253}


def _ascii_set(pattern: str) -> frozenset[str]:
    """The ASCII characters a one-character Python pattern matches."""
    compiled = re.compile(pattern)
    return frozenset(chr(i) for i in range(128) if compiled.fullmatch(chr(i)))


def fast_path_applies() -> bool:
    """Whether the installed email-validator, with its current defaults, is the one the rules
    above were derived from: same options, limits, alphabets and special-use names (all of
    them single labels, so "under a special-use name" is a test of the last label)."""
    import email_validator  # imported by the checks that judge e-mails, not at start-up
    from email_validator import rfc_constants

    if any(getattr(email_validator, name, None) != value for name, value in _ASSUMED_DEFAULTS.items()):
        return False
    if any(getattr(rfc_constants, name, None) != value for name, value in _ASSUMED_LIMITS.items()):
        return False
    alnum = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    if _ascii_set(f"[{rfc_constants.ATEXT}]") != alnum | _ATEXT_PUNCTUATION:
        return False
    if _ascii_set(rfc_constants.ATEXT_HOSTNAME_INTL.pattern) != alnum | {"-", "."}:
        return False
    names: list[str] = list(email_validator.SPECIAL_USE_DOMAIN_NAMES)
    return all(name.isascii() and name.isalnum() for name in names)


#: The usual address, whole: a dot-atom local part, one @-sign and a hostname domain with a dot
#: that ends with a letter (``_LOCAL`` and ``_DOMAIN`` joined). It is ASCII, has no white
#: space, quote or angle bracket, and its first @-sign is its only one, so the verdict of the
#: full expression below reduces to the domain's label lengths, special-use names and ``--``.
_USUAL = f"^{_ATEXT}+(?:\\.{_ATEXT}+)*@(?:{_LABEL}\\.)+(?:[A-Za-z0-9][A-Za-z0-9-]*)?[A-Za-z]$"


def _usual_verdict(special: str) -> pl.Expr:
    """The verdict of a value matching ``_USUAL``. Everything after its @-sign is the domain,
    and a special-use name (a single label, no @) can only end the domain."""
    from email_validator import rfc_constants

    value = pl.col("value")
    return (
        pl.when(value.str.contains("@[A-Za-z0-9.-]*--"))
        .then(pl.lit(None, dtype=pl.Boolean))
        .otherwise(
            ~value.str.contains("@[A-Za-z0-9.-]*[A-Za-z0-9-]{64}")
            & ~value.str.contains(f"(?i)\\.(?:{special})$")
            & (value.str.len_bytes() <= rfc_constants.EMAIL_MAX_LENGTH)
        )
    )


def _full_verdict(special: str) -> pl.Expr:
    """The verdict of any value (see the module docstring for each rule), over the columns
    ``value``, ``local`` and ``domain`` (the value split at its first @-sign)."""
    from email_validator import rfc_constants

    value, local, domain = pl.col("value"), pl.col("local"), pl.col("domain")
    domain_valid = (
        domain.str.contains(_DOMAIN)
        # A run of 64 label characters in a domain made only of labels and dots: a label
        # longer than DNS_LABEL_LENGTH_LIMIT.
        & ~domain.str.contains(r"[A-Za-z0-9-]{64}")
        # The library lower-cases (UTS-46) before comparing with the special-use names.
        & ~domain.str.contains(f"(?i)\\.(?:{special})$")
    )
    # ASCII: one byte per character in UTF-8. No quote (0x22), no angle bracket.
    plain = (value.str.len_bytes() == value.str.len_chars()) & ~value.str.contains(r"[\x22<]")
    return (
        pl.when(value.is_null())
        .then(pl.lit(None, dtype=pl.Boolean))
        .when(domain.is_null())
        .then(pl.lit(False))
        .when(value.str.contains(f"^{_ASCII_WHITESPACE}|{_ASCII_WHITESPACE}$"))
        .then(pl.lit(False))
        .when(~plain)
        .then(pl.lit(None, dtype=pl.Boolean))
        .when(~local.str.contains(_LOCAL))
        .then(pl.lit(False))
        .when(domain.str.contains("--", literal=True))
        .then(pl.lit(None, dtype=pl.Boolean))
        .otherwise(domain_valid & (value.str.len_bytes() <= rfc_constants.EMAIL_MAX_LENGTH))
    )


def _rule_by_rule(value: pl.Expr) -> pl.Expr:
    """Whether a value that is not of the usual shape needs every rule, or is invalid outright:
    an ASCII value without quotes or angle brackets (a plain value, split at its first @-sign)
    whose local part and domain passed their rules would be of the usual shape, so only a domain
    with ``--`` (left to the library before the domain's rules are read) can still take it past
    False. The rest, non-ASCII, quoted or bracketed values, may be valid."""
    plain = (value.str.len_bytes() == value.str.len_chars()) & ~value.str.contains(r"[\x22<]")
    return (~plain | value.str.contains("--", literal=True)).fill_null(True)


def email_verdicts(values: pl.Series) -> pl.Series:
    """Boolean per value: the library's verdict where it is certain, null where only the
    library can tell (see the module docstring for each rule).

    Values of the usual shape (one regex, most addresses of a customer table) are judged with
    the few tests left for them, plain values of another shape are invalid, and only the rest
    are split into local part and domain and go through every rule."""
    if not fast_path_applies():
        return pl.repeat(None, len(values), dtype=pl.Boolean, eager=True).alias(values.name)
    import email_validator

    special = "|".join(sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES))
    frame = spread(values.to_frame("value"))
    # Split at the first @-sign (domain null without one); on a plain value that is exactly
    # split_email's split. Parts are columns, so every test below reads them once.
    parts = pl.col("value").str.splitn("@", 2)

    def full(part: pl.DataFrame) -> pl.LazyFrame:
        return (
            spread(part)
            .lazy()
            .with_columns(local=parts.struct.field("field_0"), domain=parts.struct.field("field_1"))
            .select(_full_verdict(special))
        )

    usual = frame.select(pl.col("value").str.contains(_USUAL).fill_null(False)).to_series()
    rest = frame.filter(~usual)
    ruled = rest.select(_rule_by_rule(pl.col("value"))).to_series()
    judged = pl.collect_all(
        [spread(frame.filter(usual)).lazy().select(_usual_verdict(special)), full(rest.filter(ruled))]
    )
    # What is neither of the usual shape nor needs every rule is invalid (_rule_by_rule).
    verdicts = pl.repeat(False, len(values), dtype=pl.Boolean, eager=True).alias(values.name)
    positions = (usual.arg_true(), (~usual).arg_true().filter(ruled))
    for at, part in zip(positions, judged, strict=True):
        if part.height:
            verdicts = verdicts.scatter(at, part.to_series())
    return verdicts
