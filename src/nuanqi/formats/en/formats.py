"""Date formats of the English UI: the day first would be British; Django's American defaults stay, but a date
that names its month in full reads the same to either."""

MONTH_DAY_FORMAT = "F j"
DATE_FORMAT = "F j, Y"
