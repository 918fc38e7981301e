"""The bureau REST API (经办 REST 接口), mounted under ``/api``.

``router`` carries every route, the login included (``/api/auth/token``); ``create_app`` includes it
and calls :func:`yibao.api.rest.errors.install` so errors answer ``{code, field, message}`` in
Chinese. Who may call what is in :mod:`yibao.api.auth`.

Areas: regions and institutions with agreements (``institutions``), persons, identities and
enrolment (``persons``), the catalog (``catalogs``), policy packs (``policies``), visits,
settlements, settlement lists and monthly statements (``settlements``). Every list answers
``{data, count}``; amounts are strings with two decimals; times are ``yyyy-MM-dd HH:mm:ss``.
"""

from __future__ import annotations

from fastapi import APIRouter

from yibao.api import auth
from yibao.api.rest import catalogs, institutions, persons, policies, settlements
from yibao.api.rest.common import ERROR_RESPONSES
from yibao.api.rest.errors import install

router = APIRouter(responses=ERROR_RESPONSES)
router.include_router(auth.router)
for _module in (institutions, persons, catalogs, policies, settlements):
    router.include_router(_module.router, prefix="/api")

__all__ = ["install", "router"]
