"""`/gaps` and its result message: paging, sorting, filters, triage, the Links modal, CSV export."""
