"""The app database (SQLModel): each table with its new and read forms, and its queries;
team-scoped."""
