"""Application services that turn what arrives from outside (e-mail, monitoring alerts) into
cases and steps, through the case service."""
