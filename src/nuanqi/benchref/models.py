from django.db import models


class Row(models.Model):
    """One row per call of the insert reference: the cheapest write the stack allows."""

    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=20, blank=True)
