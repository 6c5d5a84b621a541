"""Documents that leave the app: the model development report and the portfolio report."""

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
