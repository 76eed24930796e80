"""Patients: who is treated here."""
