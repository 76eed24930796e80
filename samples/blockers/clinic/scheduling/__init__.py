"""Scheduling: appointments."""
