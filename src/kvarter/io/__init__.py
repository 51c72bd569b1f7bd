"""Files in, validated tables out: sniffing, readers, contracts, validation and wide-table adapters."""

from kvarter.io.contracts import TABLES, Contract, contract, load_contract
from kvarter.io.readers import SourceTable, read_table
from kvarter.io.validate import Checked, check_frame, validate_frame

__all__ = [
    "TABLES",
    "Checked",
    "Contract",
    "SourceTable",
    "check_frame",
    "contract",
    "load_contract",
    "read_table",
    "validate_frame",
]
