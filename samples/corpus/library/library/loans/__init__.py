"""Loans: borrowing and giving back."""
