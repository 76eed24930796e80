"""Reports: sales and stock figures for the back office."""

from .models import ProductSales, ReportRun, SalesReport, StockLine, StockReport

__all__ = ["ProductSales", "ReportRun", "SalesReport", "StockLine", "StockReport"]
