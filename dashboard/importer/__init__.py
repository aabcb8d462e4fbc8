"""The workbook importer: monthly .xlsx uploads → validated, all-or-nothing, undoable batches."""
from .load import ImportResult, RollbackError, import_workbook, rollback_batch

__all__ = ["ImportResult", "RollbackError", "import_workbook", "rollback_batch"]
