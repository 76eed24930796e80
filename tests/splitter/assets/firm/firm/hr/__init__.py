"""Staff, contracts and payroll."""
