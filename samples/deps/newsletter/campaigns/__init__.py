"""Campaigns, written by editors in YAML."""
