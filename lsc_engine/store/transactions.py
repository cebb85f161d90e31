"""Transactions: the repositories over one database session, for reading or for an audited write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lsc_engine.store.audit import Chain
from lsc_engine.store.db import Collision, session_scope
from lsc_engine.store.models import AuditHead
from lsc_engine.store.repositories.capabilities import Capabilities
from lsc_engine.store.repositories.committee import Committee
from lsc_engine.store.repositories.conditions import Conditions
from lsc_engine.store.repositories.disclosures import Disclosures
from lsc_engine.store.repositories.letters import Letters
from lsc_engine.store.repositories.rates import Rates
from lsc_engine.store.repositories.sessions import Sessions
from lsc_engine.store.repositories.submissions import Submissions
from lsc_engine.store.repositories.tokens import Tokens


class Transaction:
    """One database transaction and a repository per aggregate, each made when first used."""

    def __init__(self, session: Session, chain: Chain | None) -> None:
        self._session = session
        self._chain = chain

    def head(self) -> int:
        """Return the number of the last audited write, as this transaction found it (a writer, as it locked it).

        Every record of the submissions, their evaluations and the committee's work is written with an audit entry
        (only web sessions and rate counts are not), so a read of those that finds the same head as a later writer
        finds under its lock read nothing that has changed since.
        """
        if self._chain is not None:
            return self._chain.found
        return int(self._session.exec(select(AuditHead.seq).where(col(AuditHead.id) == 1)).one())

    @cached_property
    def submissions(self) -> Submissions:
        """Submissions and their evaluations."""
        return Submissions(self._session, self._chain)

    @cached_property
    def capabilities(self) -> Capabilities:
        """Reads across a capability's submissions and conditions."""
        return Capabilities(self._session, self._chain)

    @cached_property
    def committee(self) -> Committee:
        """Assessments, revocations and decisions."""
        return Committee(self._session, self._chain)

    @cached_property
    def conditions(self) -> Conditions:
        """The conditions register and its events."""
        return Conditions(self._session, self._chain)

    @cached_property
    def letters(self) -> Letters:
        """The Panel's letters: drafts and issued letters."""
        return Letters(self._session, self._chain)

    @cached_property
    def tokens(self) -> Tokens:
        """Bearer tokens and their revocations."""
        return Tokens(self._session, self._chain)

    @cached_property
    def sessions(self) -> Sessions:
        """Browser sessions and their sign-in and sign-out events."""
        return Sessions(self._session, self._chain)

    @cached_property
    def rates(self) -> Rates:
        """Requests per token and minute."""
        return Rates(self._session, self._chain)

    @cached_property
    def disclosures(self) -> Disclosures:
        """Reads of confidential evidence."""
        return Disclosures(self._session, self._chain)


@contextmanager
def reading(database: Engine) -> Iterator[Transaction]:
    """Read in one transaction; an unreachable database surfaces as StoreUnavailable."""
    with session_scope(database) as session:
        yield Transaction(session, None)


@contextmanager
def writing(database: Engine, *, audited: bool = True) -> Iterator[Transaction]:
    """Write in one transaction, committed when the block ends without an error and rolled back otherwise.

    An audited transaction locks the audit chain's head before anything else (see ``audit.Chain``), so
    writers append one at a time; only the rate counts, which are not audited, write without it. Whatever can
    be done without the database (evaluating, serialising, digesting large texts) belongs before the block,
    since the head is held for all of it. The audited records and their entries are written as the block ends
    (on PostgreSQL in one statement). A unique key another transaction took first surfaces as Collision.
    """
    with session_scope(database) as session:
        try:
            chain = Chain(session) if audited else None
            yield Transaction(session, chain)
            if chain is not None:
                chain.seal()
            session.commit()
        except IntegrityError as error:
            reason = str(error.orig or error).strip().splitlines()
            raise Collision(reason[0] if reason else "a unique key is already taken") from error
