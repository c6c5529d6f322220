"""The executive briefing (業務簡報): the commission's figures for senior officials, assembled
section by section from live data and rendered three ways (a web page with charts, a PDF, a
PowerPoint deck).

The kernel owns the document's outline (``content.BriefingSection``), its plain structure
(``content``: headline figures, tables with units, chart series) and the three renderers; it
imports no app. Each app computes its parts with the same functions its dashboards use (its
``briefing.py``) and registers the builder in ``AppConfig.ready()`` through
``tainan_rdec.registry.register_briefing_part``.
"""
