"""The ``skae compare`` application, built on skae's public API only.

``cli`` parses the command line, ``inputs`` loads and checks the dataset, ``compare`` runs
one ``GridSearchCV`` per method and tabulates the results, and ``report`` writes the
self-contained HTML report. Nothing else in skae imports this package.
"""
