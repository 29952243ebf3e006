from enum import StrEnum


class LogisticsErrorCode(StrEnum):
    COLD_CHAIN_UNAVAILABLE = "cold_chain_unavailable"
