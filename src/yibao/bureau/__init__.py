"""Bureau services (经办): institutions and agreements, settlement queries and monthly statements."""
