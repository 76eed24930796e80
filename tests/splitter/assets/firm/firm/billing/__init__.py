"""Invoices, tax and the ledger."""
