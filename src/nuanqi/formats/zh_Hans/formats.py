"""Date formats of the Chinese UI where Django's differ from how offices write dates (9月5日, not 09月5日)."""

MONTH_DAY_FORMAT = "n月j日"
