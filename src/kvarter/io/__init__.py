"""Files in, validated tables out: sniffing, readers, geometry, column mapping, contracts, validation
and wide-table adapters."""

from kvarter.io.contracts import TABLES, Contract, contract, load_contract
from kvarter.io.mapping import ColumnMapping, apply_mapping
from kvarter.io.readers import SourceTable, read_table
from kvarter.io.validate import Checked, check_frame, validate_frame
from kvarter.io.values import check_values, read_values

__all__ = [
    "TABLES",
    "Checked",
    "ColumnMapping",
    "Contract",
    "SourceTable",
    "apply_mapping",
    "check_frame",
    "check_values",
    "contract",
    "load_contract",
    "read_table",
    "read_values",
    "validate_frame",
]
