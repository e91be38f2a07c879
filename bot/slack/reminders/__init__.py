"""Follow-up reminders: the DM a due reminder becomes, its answers, the ones that failed."""
