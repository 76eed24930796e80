"""Billing: invoices for appointments."""
