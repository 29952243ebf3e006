from enum import StrEnum


class LogisticsErrorCode(StrEnum):
    COLD_CHAIN_UNAVAILABLE = "cold_chain_unavailable"
    NOT_YOUR_TASK = "not_your_task"
    NOT_PACKED = "task_not_packed"
    TRACKING_IN_USE = "tracking_in_use"
    SHIPMENT_DELIVERED = "shipment_delivered"
