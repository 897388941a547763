"""What arrives from outside: monitoring alerts and inbound mail, and replies within mail."""
