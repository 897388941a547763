"""Reading a case after the fact: its history, timeline and the monthly SLA report."""
