"""Foundations of the REST API: the exception handler, pagination and shared fields."""

from gansu_mall.core.api.exceptions import exception_handler

__all__ = ["exception_handler"]
