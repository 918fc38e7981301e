"""The national-interface gateway (国家医保接口网关): ``POST /fsi/api`` with the national envelope.

Modules: ``envelope`` (request/answer, Chinese errors), ``schemas`` (``input`` per transaction),
``credentials`` (institution secrets, 9001 sign-in), ``transactions`` (infno → handler), ``lists``
(4101A), ``review`` (3101/3102), ``endpoint`` (``POST /fsi/api``: idempotency, audit, one transaction).
"""

from yibao.api.gateway.endpoint import PATH, Gateway, is_message, process, router, serve_message

__all__ = ["PATH", "Gateway", "is_message", "process", "router", "serve_message"]
