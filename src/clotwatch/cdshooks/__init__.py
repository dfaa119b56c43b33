"""CDS Hooks 2.0 without HTTP: the services offered (as data), the cards they return, and the
verification of the EHR's signed bearer token.

The routes are in ``clotwatch.api.cds_hooks``; the use cases in ``clotwatch.service.cds``.
"""
