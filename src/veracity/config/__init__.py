"""The rule file: YAML with positions -> typed models -> resolved rules."""

from veracity.config.loader import (
    Rule,
    RuleSet,
    check_fields,
    load_rule_file,
    parse_rule_text,
    rule_set_from_objects,
    sql_columns,
    sql_problem,
)
from veracity.config.models import RuleFileModel

__all__ = [
    "Rule",
    "RuleFileModel",
    "RuleSet",
    "check_fields",
    "load_rule_file",
    "parse_rule_text",
    "rule_set_from_objects",
    "sql_columns",
    "sql_problem",
]
