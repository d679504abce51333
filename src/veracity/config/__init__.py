"""The rule file: YAML with positions -> typed models -> resolved rules."""

from veracity.config.loader import (
    ComposedRules,
    Rule,
    RuleSet,
    check_fields,
    compose_rule_file,
    load_rule_file,
    parse_rule_text,
    rule_set_from_objects,
    sql_columns,
    sql_problem,
)
from veracity.config.models import RuleFileModel
from veracity.config.settings import ENV_PREFIX, Setting, settings_from

__all__ = [
    "ENV_PREFIX",
    "ComposedRules",
    "Rule",
    "RuleFileModel",
    "RuleSet",
    "Setting",
    "check_fields",
    "compose_rule_file",
    "load_rule_file",
    "parse_rule_text",
    "rule_set_from_objects",
    "settings_from",
    "sql_columns",
    "sql_problem",
]
