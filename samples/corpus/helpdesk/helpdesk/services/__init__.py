"""Business rules, one module per domain; they call each other and their repositories."""
