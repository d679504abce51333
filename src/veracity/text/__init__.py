"""Text helpers shared by checks, duplicate detection, SQL and rule files.

One module per kind of text: :mod:`~veracity.text.dates` (date parsing and formats),
:mod:`~veracity.text.countries` (ISO 3166-1 codes), :mod:`~veracity.text.postal` (postal code
formats by country) and :mod:`~veracity.text.phones` (country spellings -> phone regions).
They import nothing of the project but each other, so every layer may use them.
"""
