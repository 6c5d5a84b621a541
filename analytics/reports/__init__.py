"""Documents that leave the app: the model development report, the portfolio report and the audit trail."""

from analytics.reports._audit import ACTIONS, audit_actions, audit_csv, audit_trail
from analytics.reports._document import (
    FORMATS,
    Chart,
    Document,
    Facts,
    Section,
    Subheading,
    Table,
    Text,
    png,
    render,
    svg,
    to_docx,
    to_excel,
    to_html,
)
from analytics.reports._model import DEFAULT_CUTOFF, model_report
from analytics.reports._portfolio import (
    PortfolioFigures,
    page_report,
    portfolio_document,
    portfolio_figures,
    portfolio_sheets,
    portfolio_workbook,
)

__all__ = [
    "ACTIONS",
    "DEFAULT_CUTOFF",
    "FORMATS",
    "Chart",
    "Document",
    "Facts",
    "PortfolioFigures",
    "Section",
    "Subheading",
    "Table",
    "Text",
    "audit_actions",
    "audit_csv",
    "audit_trail",
    "model_report",
    "page_report",
    "png",
    "portfolio_document",
    "portfolio_figures",
    "portfolio_sheets",
    "portfolio_workbook",
    "render",
    "svg",
    "to_docx",
    "to_excel",
    "to_html",
]
