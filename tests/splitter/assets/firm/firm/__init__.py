"""A small firm's back office: billing and HR, and one old module (legacy.py) that grew to hold a class of each."""
