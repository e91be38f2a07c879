"""The app database (SQLModel): the tables and their queries, team-scoped; where a table has
a "new" form or a read form, they share one base class with it."""
