"""Pages of the petitions app: ``cases`` (the case list, a case, the agency's own cases),
``dashboard`` (timeliness statistics and the event view) and ``open311`` (the public Open311
GeoReport v2 API). Routed by ``petitions.urls``."""
