"""Gansu Pavilion (甘肃馆)."""

from gansu_mall.celery import app as celery_app

__all__ = ["celery_app"]
