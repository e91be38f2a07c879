"""The app database (SQLModel): analyses, pipeline, drafts, reminders, caches; team-scoped."""
