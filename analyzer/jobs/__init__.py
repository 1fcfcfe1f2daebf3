"""One job of each kind, from its config to its reports, and the ending they share."""
