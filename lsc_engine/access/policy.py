"""Who may do what: roles, the permission table, and the rules about groups and confidential evidence.

Every check the service, the API and the UI make goes through this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lsc_engine.core.evidence import Group
from lsc_engine.errors import Forbidden


class Role(StrEnum):
    """What a token holder is."""

    DCC = "dcc"
    TAG = "tag"
    OPSG = "opsg"
    SSC = "ssc"
    PANEL = "panel"
    OBSERVER = "observer"
    ADMIN = "admin"


class Permission(StrEnum):
    """Something a request does."""

    SUBMIT = "submit"
    SELF_CHECK = "self_check"
    READ = "read"
    RE_EVALUATE = "re_evaluate"
    ASSESS = "assess"
    REVOKE = "revoke"
    ADD_CONDITION = "add_condition"
    ACT_ON_CONDITION = "act_on_condition"
    DECIDE = "decide"
    MANAGE_TOKENS = "manage_tokens"


GROUPS = {Role.TAG: Group.TAG, Role.OPSG: Group.OPSG, Role.SSC: Group.SSC}
#: Who holds each role, as a refusal names them: "an observer may not assess".
ROLE_NAMES = {
    Role.DCC: "DCC",
    Role.TAG: "TAG",
    Role.OPSG: "OPSG",
    Role.SSC: "SSC",
    Role.PANEL: "the Panel",
    Role.OBSERVER: "an observer",
    Role.ADMIN: "an administrator",
}
#: What each permission lets its holder do, as a refusal says it.
PERMISSION_WORDS = {
    Permission.SUBMIT: "submit evidence",
    Permission.SELF_CHECK: "self-check a pack",
    Permission.READ: "read the records",
    Permission.RE_EVALUATE: "re-evaluate a submission",
    Permission.ASSESS: "assess",
    Permission.REVOKE: "revoke a recommendation",
    Permission.ADD_CONDITION: "add a condition",
    Permission.ACT_ON_CONDITION: "act on a condition",
    Permission.DECIDE: "decide",
    Permission.MANAGE_TOKENS: "manage tokens",
}
_COMMITTEES = {Role.TAG, Role.OPSG, Role.SSC}
_READERS = {Role.DCC, *_COMMITTEES, Role.PANEL, Role.OBSERVER}

#: The permission table. Group-level limits (a group rates only its own criteria, manages only the
#: conditions it owns) are checked on top of it by ``require_group``.
POLICY: dict[Permission, frozenset[Role]] = {
    Permission.SUBMIT: frozenset({Role.DCC}),
    Permission.SELF_CHECK: frozenset({Role.DCC, *_COMMITTEES, Role.PANEL}),
    Permission.READ: frozenset(_READERS),
    Permission.RE_EVALUATE: frozenset({*_COMMITTEES, Role.PANEL}),
    Permission.ASSESS: frozenset(_COMMITTEES),
    Permission.REVOKE: frozenset(_COMMITTEES),
    Permission.ADD_CONDITION: frozenset({*_COMMITTEES, Role.PANEL}),
    Permission.ACT_ON_CONDITION: frozenset({*_COMMITTEES, Role.PANEL}),
    Permission.DECIDE: frozenset({Role.PANEL}),
    Permission.MANAGE_TOKENS: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an lsc token's holder, or the subject of an identity provider's JWT."""

    token_id: str
    name: str
    role: Role
    issuer: str | None = None
    subject: str | None = None

    @property
    def group(self) -> Group | None:
        """Return the sub-committee the caller speaks for, if any."""
        return GROUPS.get(self.role)

    @property
    def actor(self) -> str:
        """Name the caller in the audit chain: role and name, and what vouched for them, which no name can fake."""
        proof = f"jwt {self.issuer} {self.subject}" if self.subject is not None else f"token {self.token_id}"
        return f"{self.role.value}:{self.name} [{proof}]"


def allowed(principal: Principal, permission: Permission) -> bool:
    """Tell whether a role may do something at all."""
    return principal.role in POLICY[permission]


def require(principal: Principal, permission: Permission) -> None:
    """Refuse a request the caller's role may not make."""
    if not allowed(principal, permission):
        raise Forbidden(
            f"{ROLE_NAMES[principal.role]} may not {PERMISSION_WORDS[permission]}",
            details={"role": principal.role.value, "permission": permission.value},
        )


def require_group(principal: Principal, group: Group) -> None:
    """Refuse a sub-committee acting for another one; the Panel may act for any group where allowed."""
    if principal.role == Role.PANEL:
        return
    if principal.group != group:
        raise Forbidden(
            f"{ROLE_NAMES[principal.role]} may not act for {group.value}",
            details={"role": principal.role.value, "group": group.value},
        )


def reviews_assessments(principal: Principal) -> bool:
    """Tell whether the caller reads every group's assessments whole without recording any: the Panel."""
    return (
        principal.role == Role.PANEL
        and allowed(principal, Permission.READ)
        and not allowed(principal, Permission.ASSESS)
    )


def sees_confidential(principal: Principal, owner: Group) -> bool:
    """Tell whether the caller may see confidential evidence owned by a group: that group and the Panel."""
    return principal.role == Role.PANEL or principal.group == owner
