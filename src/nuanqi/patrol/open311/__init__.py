"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) at `/open311/v2/`, over the patrol kind:
the services are the checklist topics, the requests are patrol problems. Reports are filed at 发现 and get
their case number at once (no tokens)."""
