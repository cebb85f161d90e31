"""What the pages need from the application: the same services the API routes use."""

from __future__ import annotations

from api.deps import CommitteeDep, ServiceDep

__all__ = ["CommitteeDep", "ServiceDep"]
