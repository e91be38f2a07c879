"""Settings people choose in Slack: each sender's signature, each workspace's follow-up days
and its rule for the live (paid) providers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from bot.outreach.followups import FOLLOW_UP_AFTER_DAYS, follow_up_days_problem


class SenderProfile(SQLModel, table=True):
    """Per user: how their emails are signed."""

    __tablename__ = "sender_profile"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    sender_name: str = ""
    signature: str = ""


class WorkspaceSettings(SQLModel, table=True):
    __tablename__ = "workspace_settings"

    team_id: str = Field(primary_key=True, max_length=32)
    follow_up_days: int = FOLLOW_UP_AFTER_DAYS
    # A workspace admin's choice for the workspace's Slack analyses: may they use the live
    # (paid) providers, and how many dollars a day (None: GAPBOT_WORKSPACE_BUDGET_USD).
    paid_sources: bool = True
    daily_budget_usd: float | None = Field(default=None, ge=0)


@dataclass(frozen=True)
class PaidSources:
    """A workspace's rule for the live providers: allowed or not, and its daily budget."""

    allowed: bool
    daily_budget_usd: float | None  # None: the installation's default for a workspace


def paid_sources(session: Session, team_id: str) -> PaidSources:
    settings = session.get(WorkspaceSettings, team_id)
    if settings is None:
        return PaidSources(allowed=True, daily_budget_usd=None)
    return PaidSources(settings.paid_sources, settings.daily_budget_usd)


def set_paid_sources(session: Session, team_id: str, rule: PaidSources) -> None:
    budget = rule.daily_budget_usd
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise ValueError("a daily budget is a number of dollars, 0 or more")
    settings = _workspace(session, team_id)
    settings.paid_sources = rule.allowed
    settings.daily_budget_usd = rule.daily_budget_usd
    session.add(settings)


def follow_up_days(session: Session, team_id: str) -> int:
    settings = session.get(WorkspaceSettings, team_id)
    return settings.follow_up_days if settings else FOLLOW_UP_AFTER_DAYS


def set_follow_up_days(session: Session, team_id: str, days: int) -> None:
    problem = follow_up_days_problem(str(days))
    if problem is not None:
        raise ValueError(problem)
    settings = _workspace(session, team_id)
    settings.follow_up_days = days
    session.add(settings)


def _workspace(session: Session, team_id: str) -> WorkspaceSettings:
    return session.get(WorkspaceSettings, team_id) or WorkspaceSettings(team_id=team_id)


def sender_profile(session: Session, team_id: str, user_id: str) -> SenderProfile:
    found = session.exec(
        select(SenderProfile).where(
            SenderProfile.team_id == team_id, SenderProfile.user_id == user_id
        )
    ).first()
    return found or SenderProfile(team_id=team_id, user_id=user_id)


def save_sender_profile(
    session: Session, team_id: str, user_id: str, sender_name: str, signature: str
) -> None:
    profile = sender_profile(session, team_id, user_id)
    profile.sender_name, profile.signature = sender_name.strip(), signature.strip()
    session.add(profile)
