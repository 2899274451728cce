"""Marshmallow schemas: the one serializer and validator of what the API answers and the JSON export writes.

They live outside ``plugin.web`` so that the canonical JSON export
(``plugin.formats.canonical``) dumps a routine through the very schema the
OpenAPI document describes, without importing Flask: like ``catalog/`` and
``formats/``, this package imports only marshmallow and the pure parts of the
plugin (catalog, formats, errors). ``plugin.web.schemas`` re-uses these for
flask-smorest; the views return domain objects and the response schema dumps them.

- ``fields.py``    typed fields computed from the object (so OpenAPI still knows their type)
- ``model.py``     the canonical model: caution, dose, frequency, exercise, routine
- ``plans.py``     the plan rules: field names, defaults, limits, messages (PlanSchema)
- ``sessions.py``  completed sessions in and stored sessions out
- ``adherence.py`` the adherence report
- ``errors.py``    marshmallow's nested messages as field paths ('times.0')
"""
