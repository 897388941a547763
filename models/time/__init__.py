"""Business time: calendars, holidays, zone-local days, SLA clocks and shipping cut-offs."""
