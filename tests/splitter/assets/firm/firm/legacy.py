"""Old code from before the billing / hr packages: one class of each kind grew here.

InvoiceBook belongs with billing (its invoices, ledger and tax), StaffRoster with hr (staff, contracts,
payroll); the splitter should say so even though the module can only move as a whole.
"""

import sqlite3
from decimal import Decimal

from firm.billing import invoices, ledger, tax
from firm.hr import contracts, payroll, staff

VERSION = "1.4"


def connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path)


class InvoiceBook:
    """Invoices of one customer, kept in memory until posted."""

    def __init__(self, conn: sqlite3.Connection, customer: str, region: str) -> None:
        self.conn = conn
        self.customer = customer
        self.region = region
        self.lines: list[invoices.Line] = []

    def add_0(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 0 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #0", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_0(self) -> Decimal:
        """Issue the invoice (kind 0) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_1(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 1 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #1", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_1(self) -> Decimal:
        """Issue the invoice (kind 1) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_2(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 2 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #2", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_2(self) -> Decimal:
        """Issue the invoice (kind 2) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_3(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 3 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #3", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_3(self) -> Decimal:
        """Issue the invoice (kind 3) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_4(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 4 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #4", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_4(self) -> Decimal:
        """Issue the invoice (kind 4) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_5(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 5 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #5", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_5(self) -> Decimal:
        """Issue the invoice (kind 5) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_6(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 6 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #6", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_6(self) -> Decimal:
        """Issue the invoice (kind 6) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_7(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 7 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #7", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_7(self) -> Decimal:
        """Issue the invoice (kind 7) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_8(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 8 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #8", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_8(self) -> Decimal:
        """Issue the invoice (kind 8) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_9(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 9 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #9", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_9(self) -> Decimal:
        """Issue the invoice (kind 9) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_10(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 10 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #10", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_10(self) -> Decimal:
        """Issue the invoice (kind 10) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_11(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 11 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #11", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_11(self) -> Decimal:
        """Issue the invoice (kind 11) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_12(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 12 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #12", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_12(self) -> Decimal:
        """Issue the invoice (kind 12) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_13(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 13 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #13", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_13(self) -> Decimal:
        """Issue the invoice (kind 13) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_14(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 14 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #14", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_14(self) -> Decimal:
        """Issue the invoice (kind 14) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)

    def add_15(self, what: str, amount: Decimal) -> Decimal:
        """Add line kind 15 and return the running total with tax."""
        line = invoices.Line(what=f"{what} #15", amount=amount)
        self.lines.append(line)
        net = invoices.subtotal(self.lines)
        return net + tax.tax_on(net, self.region)

    def post_15(self) -> Decimal:
        """Issue the invoice (kind 15) and post it to the ledger."""
        amount = invoices.issue(self.conn, self.customer, self.lines, self.region)
        ledger.post(self.conn, "revenue", amount)
        self.conn.execute("UPDATE invoices SET posted = 1 WHERE customer = ?", (self.customer,))
        return invoices.outstanding(self.conn, self.customer)


class StaffRoster:
    """The people of one team and what they cost."""

    def __init__(self, conn: sqlite3.Connection, team: str) -> None:
        self.conn = conn
        self.team = team

    def hire_0(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 0."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_0(self) -> Decimal:
        """Monthly cost of the team (kind 0)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_1(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 1."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_1(self) -> Decimal:
        """Monthly cost of the team (kind 1)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_2(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 2."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_2(self) -> Decimal:
        """Monthly cost of the team (kind 2)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_3(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 3."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_3(self) -> Decimal:
        """Monthly cost of the team (kind 3)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_4(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 4."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_4(self) -> Decimal:
        """Monthly cost of the team (kind 4)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_5(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 5."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_5(self) -> Decimal:
        """Monthly cost of the team (kind 5)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_6(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 6."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_6(self) -> Decimal:
        """Monthly cost of the team (kind 6)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_7(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 7."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_7(self) -> Decimal:
        """Monthly cost of the team (kind 7)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)

    def hire_8(self, name: str, amount: Decimal) -> int:
        """Hire someone on contract kind 8."""
        person = staff.add(self.conn, name, self.team)
        contracts.sign(self.conn, person.id, amount)
        self.conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (person.id,))
        return contracts.hours(self.conn, person.id)

    def cost_8(self) -> Decimal:
        """Monthly cost of the team (kind 8)."""
        slips = payroll.run(self.conn, self.team)
        return sum(slips.values(), Decimal("0")) + payroll.monthly(self.conn, 0)


def describe() -> str:
    return f"legacy {VERSION}"


def headcount(conn: sqlite3.Connection, team: str) -> int:
    """Old report helpers, still used by the hr scripts."""
    return len(staff.team(conn, team))


def cost_report(conn: sqlite3.Connection, team: str) -> str:
    slips = payroll.run(conn, team)
    hours = sum(contracts.hours(conn, p.id) for p in staff.team(conn, team))
    conn.execute("INSERT INTO payslips (person, amount) VALUES (0, ?)", (str(sum(slips.values())),))
    return f"{team}: {len(slips)} people, {hours} hours, {sum(slips.values())}"
