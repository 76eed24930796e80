"""Medical records: notes written after visits."""
